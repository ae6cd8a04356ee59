package memnet

import (
	"container/heap"
	"sync"
	"time"
)

// The network's clock runs at the wall clock's pace, and skips ahead when
// everything in the network waits: then the next deadline is due at once,
// instead of after the silence it measures. Nothing is looked at while
// everything waits, so the skip cannot be observed, except as time saved:
// a case whose server times out after a second of silence takes no second.
//
// "Everything" is every goroutine the network's users count: those started
// with Go, and a caller between Enter and Leave. A counted goroutine waits
// through a Waiter (Read, Accept, Sleep and the loop's poll do), which
// uncounts it while it waits; whoever wakes it counts it again before it
// runs, so there is no moment at which all seem to wait while one is about
// to run. A counted goroutine that blocks some other way (a channel, a
// mutex) stays counted: the clock then cannot skip, and deadlines fall due
// at the wall clock's pace, as without the network. Forgetting to count a
// goroutine is the one mistake that could skip time early; every goroutine
// that touches a network's connections, loop or waiters is started with
// Go.
type clock struct {
	mu     sync.Mutex
	offset time.Duration // skipped so far
	busy   int           // counted goroutines not waiting
	timers timerHeap
	seq    int
	wall   *time.Timer // fires the earliest deadline at the wall clock's pace
}

// Now is the network's time: the wall clock plus what was skipped. A nil
// network's is the wall clock.
func (n *Network) Now() time.Time {
	if n == nil {
		return time.Now()
	}
	n.clk.mu.Lock()
	defer n.clk.mu.Unlock()
	return n.clk.now()
}

func (c *clock) now() time.Time { return time.Now().Add(c.offset) }

// Go runs f on a goroutine the clock counts.
func (n *Network) Go(f func()) {
	if n == nil {
		go f()
		return
	}
	n.Enter()
	go func() {
		defer n.Leave()
		f()
	}()
}

// Enter counts the calling goroutine until Leave; Go does both itself.
func (n *Network) Enter() {
	if n == nil {
		return
	}
	n.clk.mu.Lock()
	n.clk.busy++
	n.clk.mu.Unlock()
}

// Leave uncounts the calling goroutine.
func (n *Network) Leave() {
	if n == nil {
		return
	}
	n.clk.mu.Lock()
	n.clk.busy--
	n.clk.settleLocked()
	n.clk.mu.Unlock()
}

// Sleep waits d of the network's time.
func (n *Network) Sleep(d time.Duration) {
	if n == nil {
		time.Sleep(d)
		return
	}
	n.NewWaiter().Wait(n.Now().Add(d))
}

// Settle waits until every counted goroutine waits (the network is
// quiescent), without skipping time; or, should one never wait, until
// grace has passed.
func (n *Network) Settle(grace time.Duration) {
	if n == nil {
		return
	}
	w := n.NewWaiter()
	c := &n.clk
	c.mu.Lock()
	w.waiting = true
	w.timer = c.add(c.now(), w, true)
	w.timer.graceEnd = c.now().Add(grace)
	c.busy--
	c.settleLocked()
	c.mu.Unlock()
	<-w.ch
}

// Waiter is where one goroutine waits for another to Wake it, or for a
// deadline of the network's clock.
type Waiter struct {
	n       *Network
	ch      chan struct{} // a wake, buffered: one sent before Wait is not lost
	waiting bool          // under clk.mu: uncounted in Wait
	timer   *timerEntry   // under clk.mu: Wait's deadline
}

// NewWaiter returns a waiter on n's clock (a nil n: the wall clock).
func (n *Network) NewWaiter() *Waiter { return &Waiter{n: n, ch: make(chan struct{}, 1)} }

// Wake ends a Wait, or the next one if none is under way. Safe from any
// goroutine, counted or not.
func (w *Waiter) Wake() {
	if w.n == nil {
		select {
		case w.ch <- struct{}{}:
		default:
		}
		return
	}
	// The wake is sent under the lock Wait looks at it under: sent after
	// Wait found the channel empty but before it marked itself waiting,
	// Wait would return uncounted, and the count would be off by one.
	c := &w.n.clk
	c.mu.Lock()
	defer c.mu.Unlock()
	if w.waiting {
		w.waiting = false
		c.busy++
		if w.timer != nil {
			heap.Remove(&c.timers, w.timer.index)
			w.timer = nil
		}
	}
	select {
	case w.ch <- struct{}{}:
	default:
	}
}

// Wait blocks until Wake, or until the deadline (the zero time: none) of
// the network's clock. A wake may be spurious: callers look again at what
// they wait for.
func (w *Waiter) Wait(deadline time.Time) {
	if w.n == nil {
		if deadline.IsZero() {
			<-w.ch
			return
		}
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		select {
		case <-w.ch:
		case <-t.C:
		}
		return
	}
	c := &w.n.clk
	c.mu.Lock()
	select {
	case <-w.ch: // woken while we were busy: no wait
		c.mu.Unlock()
		return
	default:
	}
	if !deadline.IsZero() && !deadline.After(c.now()) {
		c.mu.Unlock()
		return
	}
	w.waiting = true
	if !deadline.IsZero() {
		w.timer = c.add(deadline, w, false)
	}
	c.busy--
	c.settleLocked()
	c.mu.Unlock()
	<-w.ch
}

// timerEntry is a Wait's deadline, or a Settle (quiet: due only when the
// network is quiescent, or once its grace has passed).
type timerEntry struct {
	when     time.Time
	seq      int
	w        *Waiter
	index    int
	quiet    bool
	graceEnd time.Time
}

func (c *clock) add(when time.Time, w *Waiter, quiet bool) *timerEntry {
	c.seq++
	t := &timerEntry{when: when, seq: c.seq, w: w, quiet: quiet}
	heap.Push(&c.timers, t)
	return t
}

// fire wakes t's waiter, counting it. Called with mu held.
func (c *clock) fire(t *timerEntry) {
	heap.Remove(&c.timers, t.index)
	w := t.w
	w.timer = nil
	if w.waiting {
		w.waiting = false
		c.busy++
	}
	select {
	case w.ch <- struct{}{}:
	default:
	}
}

// settleLocked runs after a goroutine stopped counting: when none counts,
// the earliest deadline is due now (time skips to it), one at a time, so
// what it wakes runs before the next is looked at. Otherwise the wall
// clock's timer is armed for the earliest. Called with mu held.
func (c *clock) settleLocked() {
	if c.busy < 0 {
		c.mu.Unlock() // so a test that recovers can still close its connections
		panic("memnet: clock: more goroutines waiting than were counted (a goroutine not started with Go, nor between Enter and Leave)")
	}
	if len(c.timers) == 0 {
		return
	}
	if c.busy == 0 {
		t := c.timers[0]
		if d := t.when.Sub(c.now()); d > 0 {
			c.offset += d
		}
		c.fire(t)
		return
	}
	c.armWall()
}

// armWall sets the wall clock's timer for the earliest deadline. Called
// with mu held.
func (c *clock) armWall() {
	if len(c.timers) == 0 {
		return
	}
	t := c.timers[0]
	due := t.when
	if t.quiet {
		due = t.graceEnd
	}
	d := due.Sub(c.now())
	if c.wall == nil {
		c.wall = time.AfterFunc(d, c.wallFired)
		return
	}
	c.wall.Reset(d)
}

// wallFired fires the deadlines the wall clock has reached while some
// goroutine was still counted.
func (c *clock) wallFired() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for len(c.timers) > 0 {
		t := c.timers[0]
		due := t.when
		if t.quiet {
			due = t.graceEnd
		}
		if due.After(now) {
			break
		}
		c.fire(t)
	}
	c.armWall()
}

type timerHeap []*timerEntry

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	// A quiet entry (Settle) comes first among those due at one time.
	if h[i].when.Equal(h[j].when) {
		if h[i].quiet != h[j].quiet {
			return h[i].quiet
		}
		return h[i].seq < h[j].seq
	}
	return h[i].when.Before(h[j].when)
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *timerHeap) Push(x any)   { t := x.(*timerEntry); t.index = len(*h); *h = append(*h, t) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}
