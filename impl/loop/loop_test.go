package loop

import (
	"slices"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Node's documented order: the nextTick queue drains before microtasks,
// both after every callback; immediates run after the I/O phase; close
// callbacks last; timers in order of due time, then of creation.
func TestPhaseOrder(t *testing.T) {
	l := New()
	var got []string
	log := func(s string) func() { return func() { got = append(got, s) } }
	l.Post(func() {
		got = append(got, "io")
		l.SetImmediate(log("immediate"))
		l.OnClose(log("close"))
		l.QueueMicrotask(log("micro"))
		l.NextTick(func() {
			got = append(got, "tick")
			l.NextTick(log("tick2")) // queued from a tick: still before microtasks
		})
		l.SetTimeout(log("timer-b"), 2e6)
		l.SetTimeout(log("timer-a"), 1e6)
		l.SetTimeout(log("timer-a2"), 1e6)
	})
	l.Run()
	want := []string{"io", "tick", "tick2", "micro", "immediate", "close", "timer-a", "timer-a2", "timer-b"}
	if !slices.Equal(got, want) {
		t.Fatalf("order = %v, want %v", got, want)
	}
}

// Node prints m1, m2, tick-from-m1: microtasks drain fully before ticks
// that a microtask queued.
func TestMicrotasksDrainBeforeTheirTicks(t *testing.T) {
	l := New()
	var got []string
	l.Post(func() {
		l.QueueMicrotask(func() {
			got = append(got, "m1")
			l.NextTick(func() { got = append(got, "tick-from-m1") })
		})
		l.QueueMicrotask(func() { got = append(got, "m2") })
	})
	l.Run()
	if want := []string{"m1", "m2", "tick-from-m1"}; !slices.Equal(got, want) {
		t.Fatalf("order = %v, want %v", got, want)
	}
}

func TestClearTimeoutAndHandles(t *testing.T) {
	l := New()
	fired := false
	tm := l.SetTimeout(func() { fired = true }, 1e6)
	l.ClearTimeout(tm)
	l.Ref()
	done := make(chan struct{})
	go func() { l.Run(); close(done) }()
	// The loop stays alive while a handle is held, and ends once released.
	ran := make(chan struct{})
	l.Post(func() { close(ran) })
	<-ran
	l.Unref()
	<-done
	if fired {
		t.Fatal("a cleared timer fired")
	}
}
