package main

import (
	"reflect"
	"testing"
)

const pageSnippet = "\nHTTP\n\nStability: 2 - Stable\n\n" +
	"Class: `http.Server`\n\nText.\n\n" +
	"Event: 'close'\n\nor\n\n" +
	"`server.close([callback])`\n\n" +
	"```\nEvent: 'close'\nserver.close()\n```\n\n" +
	"Class: http.ServerResponse\n\n" +
	"Event: `'close'`\n\n" +
	"response.end\\(\\[data\\]\\)\n\n" +
	"`agent:false:`\n"

func TestParsePage(t *testing.T) {
	page, err := parsePage([]byte(pageSnippet))
	if err != nil {
		t.Fatal(err)
	}
	var like []string
	for _, l := range page {
		if l.headingLike {
			like = append(like, l.norm)
		}
	}
	want := []string{"Class: http.Server", "Event: 'close'", "server.close([callback])",
		"Class: http.ServerResponse", "Event: 'close'", "response.end([data])", "agent:false:"}
	if !reflect.DeepEqual(like, want) {
		t.Errorf("heading-like lines:\n got %q\nwant %q", like, want)
	}
}

func TestMatchPage(t *testing.T) {
	page, _ := parsePage([]byte(pageSnippet))
	titles := []string{"HTTP", "Class: http.Server", "Event: 'close'", "server.close([callback])",
		"server.listen()", "Class: http.ServerResponse", "Event: 'close'", "Event: 'finish'", "response.end([data])"}
	at := matchPage(titles, page)
	line := func(i int) int {
		if at[i] < 0 {
			return -1
		}
		return page[at[i]].line
	}
	got := make([]int, len(titles))
	for i := range titles {
		got[i] = line(i)
	}
	// Each class's 'close' event pairs with the line inside that class; the
	// code block's copy is never a candidate.
	want := []int{2, 6, 10, 14, -1, 21, 23, -1, 25}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("page lines %v, want %v", got, want)
	}
}
