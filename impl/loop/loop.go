// Package loop is the reference implementation's event loop: one goroutine
// runs every JavaScript-visible callback, in the order Node documents —
// timers, pending I/O callbacks, immediates (check), close callbacks — and
// after each callback drains the nextTick queue, then the microtask queue,
// until both are empty.
//
// Other goroutines (socket readers, the accept loop) never touch impl state:
// they Post a callback, which runs in the I/O phase of the next iteration.
package loop

import (
	"container/heap"
	"sync"
	"time"

	"github.com/nodespec/nodespec/rawwire/memnet"
)

// Loop is a single-threaded event loop. Create with New, run with Run.
type Loop struct {
	// Net is the network the loop's servers listen and sockets connect
	// on: nil for the kernel's sockets, or an in-memory loopback shared
	// with the raw peer (package memnet), whose clock the loop's timers
	// then run on.
	Net *memnet.Network

	mu      sync.Mutex
	posted  []func() // I/O callbacks from other goroutines
	wake    *memnet.Waiter
	handles int // active handles (servers, sockets) posting from outside

	// Below: touched only by the loop goroutine.
	timers     timerHeap
	seq        int
	immediates []func()
	closing    []func()
	ticks      []func()
	micro      []func()
	stopped    bool
}

// New returns an idle loop on the kernel's network and the wall clock.
func New() *Loop { return NewOn(nil) }

// NewOn returns an idle loop on network n: its handles listen and dial
// there, and its timers run on n's clock. The loop's goroutine must be
// one n counts (started with n.Go).
func NewOn(n *memnet.Network) *Loop { return &Loop{Net: n, wake: n.NewWaiter()} }

// Post schedules fn as an I/O callback. Safe from any goroutine; it never
// blocks, so a reader goroutine can always finish even after the loop ended.
func (l *Loop) Post(fn func()) {
	l.mu.Lock()
	l.posted = append(l.posted, fn)
	l.mu.Unlock()
	l.wake.Wake()
}

// Ref and Unref count handles that keep the loop alive while they may still
// Post (a listening server, an open socket). Safe from any goroutine.
func (l *Loop) Ref() { l.mu.Lock(); l.handles++; l.mu.Unlock() }

// Unref releases a handle taken with Ref.
func (l *Loop) Unref() {
	l.mu.Lock()
	l.handles--
	l.mu.Unlock()
	l.wake.Wake()
}

// Now is the loop's clock, its network's (the wall clock on the kernel's);
// timers are measured on it.
func (l *Loop) Now() time.Time { return l.Net.Now() }

// NextTick queues fn to run before any other I/O or timer callback.
func (l *Loop) NextTick(fn func()) { l.ticks = append(l.ticks, fn) }

// QueueMicrotask queues fn after the nextTick queue (promise reactions).
func (l *Loop) QueueMicrotask(fn func()) { l.micro = append(l.micro, fn) }

// SetImmediate queues fn for the check phase.
func (l *Loop) SetImmediate(fn func()) { l.immediates = append(l.immediates, fn) }

// OnClose queues fn for the close-callbacks phase ('close' events of handles).
func (l *Loop) OnClose(fn func()) { l.closing = append(l.closing, fn) }

// Timer is a pending SetTimeout.
type Timer struct {
	when  time.Time
	seq   int
	fn    func()
	index int
}

// SetTimeout runs fn after d (Node clamps d below 1 ms to 1 ms).
func (l *Loop) SetTimeout(fn func(), d time.Duration) *Timer {
	if d < time.Millisecond {
		d = time.Millisecond
	}
	l.seq++
	t := &Timer{when: l.Now().Add(d), seq: l.seq, fn: fn}
	heap.Push(&l.timers, t)
	return t
}

// ClearTimeout cancels a timer that has not fired.
func (l *Loop) ClearTimeout(t *Timer) {
	if t != nil && t.index >= 0 && t.index < len(l.timers) && l.timers[t.index] == t {
		heap.Remove(&l.timers, t.index)
	}
}

// Stop ends Run after the current iteration.
func (l *Loop) Stop() { l.stopped = true }

// Do runs fn on the loop as an I/O callback and waits for it to return.
// For use from outside the loop goroutine only.
func (l *Loop) Do(fn func()) {
	done := make(chan struct{})
	l.Post(func() { fn(); close(done) })
	<-done
}

// run invokes one macrotask and then drains nextTicks and microtasks.
func (l *Loop) run(fn func()) {
	fn()
	l.Drain()
}

// Drain runs the nextTicks and microtasks queued so far, and those they
// queue, now: what Node does when a callback from native code returns
// (the HTTP parser's body callback, for one).
func (l *Loop) Drain() {
	for len(l.ticks) > 0 || len(l.micro) > 0 {
		for len(l.ticks) > 0 {
			t := l.ticks[0]
			l.ticks = l.ticks[1:]
			t()
		}
		// The microtask queue drains completely (including microtasks it
		// queues) before ticks queued by those microtasks run.
		for len(l.micro) > 0 {
			m := l.micro[0]
			l.micro = l.micro[1:]
			m()
		}
	}
}

// Run runs the loop until Stop is called, or until nothing is left that
// could ever run (no timers, immediates, handles or posted callbacks).
func (l *Loop) Run() {
	for !l.stopped {
		// timers
		now := l.Now()
		for len(l.timers) > 0 && !l.timers[0].when.After(now) {
			t := heap.Pop(&l.timers).(*Timer)
			l.run(t.fn)
		}
		// pending I/O callbacks
		l.mu.Lock()
		posted := l.posted
		l.posted = nil
		l.mu.Unlock()
		for _, fn := range posted {
			l.run(fn)
		}
		// check
		imm := l.immediates
		l.immediates = nil
		for _, fn := range imm {
			l.run(fn)
		}
		// close callbacks
		cl := l.closing
		l.closing = nil
		for _, fn := range cl {
			l.run(fn)
		}
		if l.stopped {
			return
		}
		// Another turn at once if this one queued work; otherwise end when
		// nothing could ever run again, or block for I/O. Posted work and
		// handles are read under the lock: other goroutines write them.
		if len(l.immediates) > 0 || len(l.closing) > 0 || len(posted) > 0 || len(imm) > 0 || len(cl) > 0 {
			continue
		}
		l.mu.Lock()
		pending, handles := len(l.posted), l.handles
		l.mu.Unlock()
		if pending > 0 {
			continue
		}
		if len(l.timers) == 0 && handles == 0 {
			return
		}
		// poll: block for I/O until the next timer is due
		var next time.Time
		if len(l.timers) > 0 {
			if next = l.timers[0].when; !next.After(l.Now()) {
				continue
			}
		}
		l.wake.Wait(next)
	}
}

type timerHeap []*Timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
		return h[i].seq < h[j].seq
	}
	return h[i].when.Before(h[j].when)
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *timerHeap) Push(x any)   { t := x.(*Timer); t.index = len(*h); *h = append(*h, t) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	t.index = -1
	return t
}
