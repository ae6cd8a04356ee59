package ref_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle"
	"github.com/nodespec/nodespec/rawwire"
	"github.com/nodespec/nodespec/targets"
	"github.com/nodespec/nodespec/targets/ref"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const chunked = `id: chunked-trailers
sections: [http/IncomingMessage/message.trailers]
profiles: [latest]
note: test case
program:
  server: {}
  watch:
    server: [request]
    req: [data, end]
  on:
    server.request:
      - read: req.rawHeaders
    req.end:
      - read: req.trailers
      - read: req.complete
      - call: res.end
wire:
  send:
    - 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'
    - '3\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\nx-t: 2\r\n\r\n'
expect:
  - trace:
      server:
        - event: request
      req1:
        - read: rawHeaders
          value: [Host, h, Transfer-Encoding, chunked, Connection, close]
        - event: data
          args: [{$bytes: abcde}]
        - event: end
        - read: trailers
          value: {x-t: '1, 2'}
        - read: complete
          value: true
    response:
      status: 200
      closed: true
`

func mustCase(t testing.TB) *fixtures.Case {
	c, errs := fixtures.Parse("t/chunked-trailers.yaml", []byte(chunked))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return c
}

// One case end to end on ref, under each segmentation; goleak (TestMain)
// checks that the loop, the listener and every socket reader are gone.
func TestRunChunkedCase(t *testing.T) {
	c := mustCase(t)
	tg := ref.New()
	oi := oracle.Target{Name: "ref", Runtime: "ref"}
	for _, seg := range []rawwire.Segmentation{rawwire.Whole(), rawwire.Bytewise(), rawwire.Random(1)} {
		tr, err := targets.Run(tg, c, "latest", seg)
		if err != nil {
			t.Fatal(err)
		}
		if v := oracle.Judge(c, "latest", oi, tr); v.Status != oracle.Pass {
			t.Fatalf("%s: %s\n%s", seg.Name, v.Reason, v.Diff)
		}
	}
}

func BenchmarkRunCaseWhole(b *testing.B) {
	c := mustCase(b)
	tg := ref.New()
	for b.Loop() {
		if _, err := targets.Run(tg, c, "latest", rawwire.Whole()); err != nil {
			b.Fatal(err)
		}
	}
}

// A new step names what it constructs by kind, later steps reach it by
// that name, a returned SocketAddress is named too, and a class ref lacks
// is recorded missing rather than failing the run.
const construct = `id: construct
sections: [net/BlockList/blockList.check]
profiles: [latest]
note: test case
program:
  calls:
    - new: net.SocketAddress
      args: [{address: '5.6.7.8'}]
      record: true
    - new: net.BlockList
    - call: blocklist1.addAddress
      args: [{$ref: sockaddr1}]
    - call: blocklist1.check
      args: ['5.6.7.8']
      record: true
    - call: net.SocketAddress.parse
      args: ['1.2.3.4:81']
      record: true
    - read: sockaddr2.port
    - new: net.NoSuchClass
expect:
  - trace:
      net:
        - call: new SocketAddress
          args: [{address: '5.6.7.8'}]
          returned: {$ref: sockaddr1}
        - call: SocketAddress.parse
          args: ['1.2.3.4:81']
          returned: {$ref: sockaddr2}
        - call: new NoSuchClass
          missing: true
      blocklist1:
        - call: check
          args: ['5.6.7.8']
          returned: true
      sockaddr2:
        - read: port
          value: 81
`

func TestNewStep(t *testing.T) {
	c, errs := fixtures.Parse("t/construct.yaml", []byte(construct))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	tr, err := targets.Run(ref.New(), c, "latest", rawwire.Segmentation{Name: "none"})
	if err != nil {
		t.Fatal(err)
	}
	if v := oracle.Judge(c, "latest", oracle.Target{Name: "ref", Runtime: "ref"}, tr); v.Status != oracle.Pass {
		t.Fatalf("%s\n%s", v.Reason, v.Diff)
	}
}
