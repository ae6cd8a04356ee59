package memnet_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nodespec/nodespec/rawwire/memnet"
)

// With every counted goroutine waiting, a sleep is over at once: the clock
// skips the hour.
func TestSleepSkipsWhenAllWait(t *testing.T) {
	n := memnet.New()
	n.Enter()
	defer n.Leave()
	wall, start := time.Now(), n.Now()
	n.Sleep(time.Hour)
	if got := n.Now().Sub(start); got < time.Hour {
		t.Fatalf("the network's clock moved %s, want at least an hour", got)
	}
	if real := time.Since(wall); real > 10*time.Second {
		t.Fatalf("an hour's sleep took %s of wall time", real)
	}
}

// A counted goroutine that blocks outside the network (here a channel)
// keeps the clock at the wall clock's pace: the sleep lasts its length.
func TestNoSkipWhileOneRuns(t *testing.T) {
	n := memnet.New()
	n.Enter()
	defer n.Leave()
	release := make(chan struct{})
	n.Go(func() { <-release })
	wall := time.Now()
	n.Sleep(30 * time.Millisecond)
	close(release)
	if real := time.Since(wall); real < 30*time.Millisecond {
		t.Fatalf("the sleep ended after %s of wall time while a counted goroutine ran", real)
	}
}

// Deadlines fall due in their order, each after what the one before woke
// has run.
func TestSleepersWakeInOrder(t *testing.T) {
	n := memnet.New()
	n.Enter()
	defer n.Leave()
	var mu sync.Mutex
	var order []string
	var left atomic.Int32
	left.Store(3)
	all := n.NewWaiter()
	for _, s := range []struct {
		name string
		d    time.Duration
	}{{"c", 3 * time.Hour}, {"a", time.Hour}, {"b", 2 * time.Hour}} {
		n.Go(func() {
			n.Sleep(s.d)
			mu.Lock()
			order = append(order, s.name)
			mu.Unlock()
			if left.Add(-1) == 0 {
				all.Wake()
			}
		})
	}
	for left.Load() > 0 {
		all.Wait(time.Time{})
	}
	if got := order; len(got) != 3 || got[0] != "a" || got[1] != "b" || got[2] != "c" {
		t.Fatalf("woke in the order %v, want [a b c]", got)
	}
}

// Settle returns once what a write set going has run its course, and
// skips no time doing so.
func TestSettleWaitsForTheReader(t *testing.T) {
	n := memnet.New()
	n.Enter()
	defer n.Leave()
	ln, err := n.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := n.Dial("tcp", ln.Addr().String(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var got atomic.Int32
	n.Go(func() {
		s, err := ln.Accept()
		if err != nil {
			return
		}
		defer s.Close()
		b := make([]byte, 8)
		for {
			k, err := s.Read(b)
			got.Add(int32(k))
			if err != nil {
				return
			}
		}
	})
	c.Write([]byte("abc"))
	start := n.Now()
	n.Settle(time.Second)
	if got.Load() != 3 {
		t.Fatalf("after Settle the reader had read %d bytes, want 3", got.Load())
	}
	if skipped := n.Now().Sub(start); skipped > 500*time.Millisecond {
		t.Fatalf("Settle skipped %s", skipped)
	}
}

// A Settle under way does not hold back other deadlines while the clock
// keeps the wall clock's pace (here a counted goroutine blocks on a
// channel): a 30 ms sleep ends after about 30 ms, not at the Settle's
// grace.
func TestSettleHoldsNoDeadlineBack(t *testing.T) {
	n := memnet.New()
	n.Enter()
	defer n.Leave()
	release := make(chan struct{})
	n.Go(func() { <-release })
	n.Go(func() { n.Settle(5 * time.Second) })
	wall := time.Now()
	n.Sleep(30 * time.Millisecond)
	close(release)
	if real := time.Since(wall); real > 2*time.Second {
		t.Fatalf("a 30 ms sleep took %s beside a Settle with a 5 s grace", real)
	}
	n.Sleep(time.Millisecond) // all wait: the Settle ends, then this
}
