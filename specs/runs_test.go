package specs

// How a spec's runs are made: its segmentations, the instances of a
// harness target they run on, and the look-ahead that makes them before
// Ginkgo reaches the spec. Judging them is runCase's (suite_test.go).

import (
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"sync"

	. "github.com/onsi/ginkgo/v2"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/oracle"
	"github.com/nodespec/nodespec/oracle/trace"
	"github.com/nodespec/nodespec/rawwire"
	"github.com/nodespec/nodespec/targets"
	"github.com/nodespec/nodespec/targets/registry"
)

// segmentations: a server-side case runs whole, byte by byte and split at
// random points; the random seed derives from Ginkgo's --seed and the case
// id, so a failure names a seed that reproduces it.
func segmentations(c *fixtures.Case) []rawwire.Segmentation {
	switch {
	case c.Wire == nil:
		return []rawwire.Segmentation{{Name: "none"}}
	case c.Wire.Whole:
		return []rawwire.Segmentation{rawwire.Whole()}
	}
	h := fnv.New64a()
	h.Write([]byte(c.ID))
	seed := GinkgoRandomSeed() ^ int64(h.Sum64()>>1)
	return []rawwire.Segmentation{rawwire.Whole(), rawwire.Bytewise(), rawwire.Random(seed)}
}

type segRun struct {
	tr  *trace.Trace
	err error
}

// runSegmentations runs the case under each segmentation side by side, so
// a case's waits (a timeout under test, a pause) overlap: on a target that
// runs several cases at once (ref: every session has its own loop) all on
// it, on one that runs one at a time (a harness process) each on an
// instance from the pool. The results are judged afterwards, in order, on
// the spec's goroutine.
func runSegmentations(c *fixtures.Case, profile string, segs []rawwire.Segmentation) []segRun {
	out := make([]segRun, len(segs))
	var wg sync.WaitGroup
	for i, seg := range segs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := target
			if !concurrent() {
				if t, out[i].err = acquire(); out[i].err != nil {
					return
				}
				defer release(t)
			}
			out[i].tr, out[i].err = targets.Run(t, c, profile, seg)
		}()
	}
	wg.Wait()
	return out
}

func concurrent() bool {
	cc, ok := target.(targets.Concurrent)
	return ok && cc.Concurrent()
}

// The pool: instances of a target that runs one case at a time (a harness
// process each). A run takes an idle one, and another is opened while
// fewer than pool.size are: the suite's own target first, then more from
// the registry. The size is twelve among all suite processes, as many
// runtime processes as four suite processes with three each had (a case's
// three segmentations side by side: a 1 s keep-alive timeout cost 3.1 s on
// node20 with them one after the other), and at least three per process.
//
// An instance that does not open (a runtime that will not start another
// process, a start that times out under load) does not fail the run that
// asked: the pool stops growing, says so once, and the run waits for an
// open instance (the suite's own target is always one).
var pool struct {
	mu     sync.Mutex
	size   int              // set with idle, on the first acquire
	handed int              // instances handed out for the first time
	opened []targets.Target // all but the suite's own target
	idle   chan targets.Target
	stuck  bool // an open failed: the pool stays as it is
}

func acquire() (targets.Target, error) {
	pool.mu.Lock()
	if pool.idle == nil {
		pool.size = max(3, 12/parallel)
		pool.idle = make(chan targets.Target, pool.size)
	}
	select {
	case t := <-pool.idle:
		pool.mu.Unlock()
		return t, nil
	default:
	}
	if pool.handed < pool.size && !pool.stuck {
		pool.handed++
		first := pool.handed == 1
		pool.mu.Unlock()
		if first {
			return target, nil
		}
		t, err := registry.Open(targetName)
		pool.mu.Lock()
		if err == nil {
			pool.opened = append(pool.opened, t)
			pool.mu.Unlock()
			return t, nil
		}
		pool.handed--
		if !pool.stuck {
			pool.stuck = true
			fmt.Fprintf(GinkgoWriter, "the pool of %s stays at %d instance(s): opening another failed: %v\n", targetName, pool.handed, err)
		}
	}
	idle := pool.idle
	pool.mu.Unlock()
	return <-idle, nil
}

func release(t targets.Target) { pool.idle <- t }

// closePool closes the instances the pool opened (not the suite's own).
func closePool() error {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	var errs []error
	for _, t := range pool.opened {
		errs = append(errs, t.Close())
	}
	pool.opened = nil
	return errors.Join(errs...)
}

// The look-ahead: a few workers make specs' runs before Ginkgo reaches
// them, so that the next specs' runs go on while one spec is judged and
// reported (Ginkgo runs specs one after the other). When the first spec of
// a section asks, the runs of the section's specs that will run are queued
// first: Ginkgo runs a section's specs together. On a harness target every
// spec that will run is queued behind them (sections interleaved), so the
// pool of runtime processes is never idle while one spec is judged or one
// case waits out a runtime's timer: node20's suite in one process with
// this took 7.0-8.2 s where four processes with three runtime processes
// each took 8.7-9.4 s (A/B, three rounds), at a quarter less CPU (no four
// Go processes decoding and judging side by side, no Ginkgo server in
// between). Ginkgo shuffles the sections, so many runs are made before
// their spec asks and wait for it: up to ~500 traces on node20, at 150 MB
// no more than the suite's memory without it. ref queues by section only:
// its runs use the cores already, and queueing them all kept 40-100 MB
// more of traces for no time saved.
//
// Each spec still judges its own runs; only when they ran differs, and a
// spec's duration in the reports is its wait for them. In Ginkgo's
// parallel mode (PROCS > 1) there is no look-ahead: a section's specs are
// spread over the processes, and each would run them all.
const aheadWorkers = 6

var ahead struct {
	mu         sync.Mutex
	cond       *sync.Cond
	began      bool
	sections   map[string]bool      // sections queued first
	runs       map[string]*aheadRun // by spec name
	urgent     []*aheadRun          // the asking spec's section
	background []*aheadRun          // every spec, on a harness target
	stopped    bool
	workers    sync.WaitGroup
}

type aheadRun struct {
	f     *fixture
	p     string
	taken bool // a worker has it
	done  chan struct{}
	runs  []segRun
}

// aheadOf is the spec's runs, queued ahead (and maybe made already); nil
// when there is no look-ahead or the spec was not queued.
func aheadOf(f *fixture, profile string) *aheadRun {
	if parallel > 1 || willRun == nil {
		return nil
	}
	ahead.mu.Lock()
	defer ahead.mu.Unlock()
	if !ahead.began {
		ahead.began = true
		ahead.cond = sync.NewCond(&ahead.mu)
		ahead.sections = map[string]bool{}
		ahead.runs = map[string]*aheadRun{}
		if !targets.IsInMemory(target) {
			for _, sf := range interleaved() {
				for _, p := range profiles {
					if willRun(sf, p) {
						ahead.background = append(ahead.background, aheadItem(sf, p))
					}
				}
			}
		}
		for range aheadWorkers {
			ahead.workers.Add(1)
			go aheadWorker()
		}
	}
	if sec := f.Sections[0]; !ahead.sections[sec] {
		ahead.sections[sec] = true
		for _, sf := range sectionCases[sec] {
			for _, p := range profiles {
				if willRun(sf, p) {
					ahead.urgent = append(ahead.urgent, aheadItem(sf, p))
				}
			}
		}
		ahead.cond.Broadcast()
	}
	// Forgotten once handed over: the spec keeps its runs as long as it
	// needs them, and the suite does not keep every trace to its end.
	name := specName(f, profile)
	r := ahead.runs[name]
	delete(ahead.runs, name)
	return r
}

// interleaved is every fixture in the spec tree, the sections taken in
// turn: the first case of each section, then the second of each, and so
// on. A section's cases tend to wait alike (the four keepAliveTimeout
// cases each wait out Node's 1 s timer, on three harness processes each):
// queued side by side they held the whole pool for a second; spread out,
// the suite on node20 took a median 5.8 s instead of 6.5 s (A/B, two
// rounds), and 7.3 instead of 7.8 s in a busier hour (five rounds).
func interleaved() []*fixture {
	secs := slices.Sorted(maps.Keys(sectionCases))
	var out []*fixture
	for i := 0; len(out) < len(cases); i++ {
		added := false
		for _, sec := range secs {
			if i < len(sectionCases[sec]) {
				out = append(out, sectionCases[sec][i])
				added = true
			}
		}
		if !added {
			break // fixtures no section group placed (the meta spec fails)
		}
	}
	return out
}

// aheadItem is the queue entry of a spec, made once (a spec can be in both
// queues).
func aheadItem(f *fixture, p string) *aheadRun {
	name := specName(f, p)
	if r := ahead.runs[name]; r != nil {
		return r
	}
	r := &aheadRun{f: f, p: p, done: make(chan struct{})}
	ahead.runs[name] = r
	return r
}

// aheadNext takes the next entry no worker has: the urgent queue first.
func aheadNext() *aheadRun {
	for _, q := range []*[]*aheadRun{&ahead.urgent, &ahead.background} {
		for len(*q) > 0 {
			r := (*q)[0]
			(*q)[0] = nil // the queue does not keep a made run alive
			*q = (*q)[1:]
			if !r.taken {
				r.taken = true
				return r
			}
		}
	}
	return nil
}

func aheadWorker() {
	defer ahead.workers.Done()
	for {
		ahead.mu.Lock()
		r := aheadNext()
		for r == nil && !ahead.stopped {
			ahead.cond.Wait()
			r = aheadNext()
		}
		ahead.mu.Unlock()
		if r == nil {
			return
		}
		// A case that does not decode or does not apply is not run: its
		// spec fails or skips before asking.
		if c, err := r.f.load(); err == nil {
			if ok, _ := oracle.Applicable(c, r.p, targetInfo); ok {
				r.runs = runSegmentations(c, r.p, segmentations(c))
			}
		}
		close(r.done)
	}
}

// stopAhead ends the workers once every spec has run; what is still
// queued (specs an interrupt or a failure left unrun) is not made.
func stopAhead() {
	ahead.mu.Lock()
	ahead.stopped = true
	if ahead.cond != nil {
		ahead.cond.Broadcast()
	}
	ahead.mu.Unlock()
	ahead.workers.Wait()
}
