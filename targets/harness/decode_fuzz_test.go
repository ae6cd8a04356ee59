package harness

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle/trace"
)

// FuzzDecodeAnswer: whatever a harness prints, decoding it never panics;
// a line it accepts has the op asked for, and every trace entry it gives
// survives a round trip through JSON unchanged (what the oracle compares
// is what the harness said). Seeds: hand-written answers, and one trace
// answer per fixture.
func FuzzDecodeAnswer(f *testing.F) {
	for _, s := range []string{
		`{"op":"hello","runtime":"node","version":"v20.1.0"}`,
		`{"op":"started","port":1234}`,
		`{"op":"started","path":"/tmp/x.sock"}`,
		`{"op":"started","error":"boom"}`,
		`{"op":"trace","events":[{"o":"server","ev":"request","args":[{"$ref":"req1"},{"$ref":"res1"}]},{"o":"req1","read":"headers","value":{"host":"a"}},{"o":"req1","read":"x","value":null},{"o":"res1","call":"end","returned":{"$undefined":true}},{"o":"req1","read":"trailers","missing":true}]}`,
		`{"op":"trace","events":[{"o":"server","ev":"clientError","args":[{"$error":{"name":"Error","code":"HPE_INVALID_METHOD","message":"Parse Error: Invalid method encountered"}},{"$ref":"sock1"}]},{"o":"req1","ev":"data","args":[{"$bytes":"hello\\r\\n"}]}]}`,
		`{"op":"trace","events":null}`, `{"op":"trace","events":[{"o":1}]}`, `not json`, `[]`, `{"op":"trace","events":[{"value":1e999}]}`,
	} {
		f.Add([]byte(s), "trace")
	}
	// One trace answer per fixture, from its first expectation's lanes:
	// the shapes of entries and values the harness really sends.
	cases, err := fixtures.All()
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range cases {
		var events []map[string]any
		for lane, ps := range c.Expect[0].Lanes {
			for _, p := range ps {
				e := map[string]any{"o": lane}
				switch {
				case p.Event != "":
					e["ev"], e["args"] = p.Event, p.Args
				case p.Read != "":
					e["read"], e["value"] = p.Read, p.Value
				case p.Call != "":
					e["call"], e["returned"], e["threw"] = p.Call, p.Returned, p.Threw
				default:
					continue
				}
				events = append(events, e)
			}
		}
		if line, err := json.Marshal(map[string]any{"op": "trace", "events": events}); err == nil {
			f.Add(line, "trace")
		}
	}
	f.Fuzz(func(t *testing.T, line []byte, want string) {
		a, err := decodeAnswer(line, want)
		if err != nil {
			if a != nil {
				t.Fatalf("an error with an answer: %v", err)
			}
			return
		}
		if a.Op != want {
			t.Fatalf("accepted op %q, asked for %q", a.Op, want)
		}
		for _, e := range a.Events {
			once, err := json.Marshal(e)
			if err != nil {
				continue // a value JSON can decode but not encode; nothing was lost yet
			}
			var back trace.Entry
			if err := json.Unmarshal(once, &back); err != nil {
				t.Fatalf("%s does not decode again: %v", once, err)
			}
			twice, err := json.Marshal(back)
			if err != nil || !bytes.Equal(once, twice) {
				t.Fatalf("entry changed in a round trip: %s -> %s (%v)", once, twice, err)
			}
		}
	})
}
