package nodehttp

import (
	"reflect"
	"testing"
)

// Node 20+ refuse any byte but a blank line after a message that closes the
// connection; Node 6 and 14 parse on (observed on the releases).
func TestDataAfterConnectionClose(t *testing.T) {
	in := []byte("GET /1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
	for era, want := range map[Era]string{EraV6: "", EraV14: "", EraLatest: "HPE_CLOSED_CONNECTION"} {
		r := &recorder{}
		err := newParser(era, Profiles["latest"].Methods, 16*1024, r).Execute(in)
		got := ""
		if err != nil {
			got = err.Code
		}
		heads := 0
		for _, e := range r.events {
			if len(e) > 4 && e[:4] == "head" {
				heads++
			}
		}
		if got != want || (want == "") != (heads == 2) {
			t.Errorf("era %d: error %q after %d requests, want %q", era, got, heads, want)
		}
		if err != nil && !reflect.DeepEqual(err.BytesParsed, len("GET /1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n\r\n")) {
			t.Errorf("era %d: bytesParsed %d, want the offset of the G of the second request", era, err.BytesParsed)
		}
	}
}
