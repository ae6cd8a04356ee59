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
	timers timerHeap     // deadlines of Waits
	quiet  []*timerEntry // Settles: due when all wait, or at their grace's end
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
	c.seq++
	w.timer = &timerEntry{when: c.now().Add(grace), seq: c.seq, w: w, quiet: true, index: -1}
	c.quiet = append(c.quiet, w.timer)
	c.busy--
	c.settleLocked()
	c.mu.Unlock()
	<-w.ch
}

// Waiter is where one goroutine waits for another to Wake it, or for a
// deadline of the network's clock. One goroutine waits on a Waiter at a
// time (its owner: a connection's reader, the loop, a client's script);
// callers that may wait side by side serialise first.
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
		c.drop(w.timer)
		w.timer = nil
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

// timerEntry is a Wait's deadline (in timers), or a Settle (in quiet:
// due when the network is quiescent, or at when, its grace's end).
type timerEntry struct {
	when  time.Time
	seq   int
	w     *Waiter
	index int
	quiet bool
}

func (c *clock) add(when time.Time, w *Waiter, quiet bool) *timerEntry {
	c.seq++
	t := &timerEntry{when: when, seq: c.seq, w: w, quiet: quiet}
	heap.Push(&c.timers, t)
	return t
}

// drop removes t (nil: nothing) from where it waits. Called with mu held.
func (c *clock) drop(t *timerEntry) {
	switch {
	case t == nil:
	case t.quiet:
		for i, q := range c.quiet {
			if q == t {
				c.quiet = append(c.quiet[:i:i], c.quiet[i+1:]...)
				break
			}
		}
	default:
		heap.Remove(&c.timers, t.index)
	}
}

// fire wakes t's waiter, counting it. Called with mu held.
func (c *clock) fire(t *timerEntry) {
	c.drop(t)
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
	// A fired entry whose waiter had already been woken counts nobody,
	// so the loop goes on until someone counts or nothing is left.
	for c.busy == 0 {
		switch {
		case len(c.quiet) > 0:
			c.fire(c.quiet[0]) // all wait: a Settle is over, no time skipped
		case len(c.timers) > 0:
			t := c.timers[0]
			if d := t.when.Sub(c.now()); d > 0 {
				c.offset += d
			}
			c.fire(t)
		default:
			return
		}
	}
	c.armWall()
}

// armWall sets the wall clock's timer for the earliest deadline. Called
// with mu held.
func (c *clock) armWall() {
	due, ok := c.nextDue()
	if !ok {
		return
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
	for len(c.timers) > 0 && !c.timers[0].when.After(now) {
		c.fire(c.timers[0])
	}
	for i := 0; i < len(c.quiet); {
		if q := c.quiet[i]; !q.when.After(now) {
			c.fire(q) // removes it from quiet
			continue
		}
		i++
	}
	c.armWall()
}

// nextDue is the earliest time the wall clock must fire something at: the
// first deadline, or the first end of a Settle's grace.
func (c *clock) nextDue() (time.Time, bool) {
	var due time.Time
	ok := false
	if len(c.timers) > 0 {
		due, ok = c.timers[0].when, true
	}
	for _, q := range c.quiet {
		if !ok || q.when.Before(due) {
			due, ok = q.when, true
		}
	}
	return due, ok
}

type timerHeap []*timerEntry

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
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
