package registry_test

import (
	"testing"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/rawwire"
	"github.com/nodespec/nodespec/targets"
	"github.com/nodespec/nodespec/targets/registry"
)

// Two typical server cases: one the server closes (Connection: close), one
// that stays alive and ends when its response is in (responses: 1, fin).
// Before the peer could count responses, the kept-alive case waited out the
// wire deadline (2 s) under every segmentation.
var (
	benchClose = benchCase("bench-close", "a request answered at end, connection closed",
		`    - 'POST / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'
`)
	benchKeepAlive = benchCase("bench-keep-alive", "a kept-alive request; the peer stops after one response",
		`    - 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'
  responses: 1
  then: fin
`)
)

// benchCase is a case that answers every request at its end, with the
// given wire (the send list and what follows it).
func benchCase(id, note, wire string) string {
	return "id: " + id + `
sections: [http/Server/event.request]
profiles: [v6, v14, latest]
note: ` + note + `
program:
  server: {}
  watch:
    server: [request]
    req: [end]
  on:
    server.request:
      - call: req.resume
    req.end:
      - call: res.end
wire:
  send:
` + wire + `expect:
  - response:
      status: 200
`
}

// BenchmarkCase is the cost of one case, whole segmentation, on ref and on
// node20 (the system node; skipped when it is not installed).
func BenchmarkCase(b *testing.B) {
	for _, target := range []string{"ref", "node20"} {
		for _, src := range []struct{ id, yaml string }{{"bench-close", benchClose}, {"bench-keep-alive", benchKeepAlive}} {
			b.Run(target+"/"+src.id, func(b *testing.B) {
				c, errs := fixtures.Parse("bench/"+src.id+".yaml", []byte(src.yaml))
				if len(errs) > 0 {
					b.Fatal(errs)
				}
				tg, err := registry.Open(target)
				if err != nil {
					b.Skipf("%s: %v", target, err)
				}
				defer tg.Close()
				for b.Loop() {
					if _, err := targets.Run(tg, c, "latest", rawwire.Whole()); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
