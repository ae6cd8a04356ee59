package coverage

import (
	"bytes"
	"strings"
	"testing"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/fixtures/sections"
)

const index = `
sources: {latest: [x]}
sections:
  - {id: http, module: http, kind: module, profiles: [v6, latest], titles: {latest: HTTP}}
  - {id: http/IncomingMessage, module: http, class: IncomingMessage, parent: http, kind: class, profiles: [v6, latest], titles: {latest: x}}
  - {id: http/IncomingMessage/message.headers, module: http, class: IncomingMessage, parent: http/IncomingMessage, kind: property, profiles: [v6, latest], titles: {latest: x}}
  - {id: http/IncomingMessage/message.headersDistinct, module: http, class: IncomingMessage, parent: http/IncomingMessage, kind: property, profiles: [latest], titles: {latest: x}}
  - {id: http/METHODS, module: http, parent: http, kind: property, profiles: [v6, latest], titles: {latest: x}}
`

func TestCompute(t *testing.T) {
	ix, err := sections.Parse([]byte(index))
	if err != nil {
		t.Fatal(err)
	}
	cases := []*fixtures.Case{
		{ID: "a", Sections: []string{"http/IncomingMessage/message.headers"}, Profiles: []string{"latest"}},
		{ID: "b", Sections: []string{"http/IncomingMessage/message.headersDistinct", "http/METHODS"}, Profiles: []string{"latest"}},
	}
	ps := Compute(ix, cases)
	got := map[string]string{}
	for _, p := range ps {
		for _, g := range p.Groups {
			var ids []string
			for _, s := range g.Uncovered {
				ids = append(ids, s.ID)
			}
			got[p.Name+" "+g.Name] = strings.Join(ids, ",")
		}
	}
	want := map[string]string{
		// v6: a case that holds only for latest covers nothing in v6.
		"v6 http":                     "http,http/METHODS",
		"v6 http/IncomingMessage":     "http/IncomingMessage,http/IncomingMessage/message.headers",
		"latest http":                 "http",
		"latest http/IncomingMessage": "http/IncomingMessage",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: uncovered %q, want %q", k, got[k], v)
		}
	}
	if len(ps[1].Groups) != 0 {
		t.Errorf("profile v14 has no sections in this index, got %d groups", len(ps[1].Groups))
	}
	if c, n := ps[2].Totals(); c != 3 || n != 5 {
		t.Errorf("latest totals %d/%d, want 3/5", c, n)
	}
	var out bytes.Buffer
	Write(&out, ps)
	for _, s := range []string{"profile latest: 3 of 5 sections have at least one case (60%)", "without: (class heading) message.headers"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
}
