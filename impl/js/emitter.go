package js

// Listener receives an event's arguments.
type Listener func(args ...any)

type listener struct {
	fn   Listener
	once bool
	id   int
}

// Emitter is Node's EventEmitter: listeners run synchronously, in the order
// they were added; a once-listener is removed before it runs.
type Emitter struct {
	listeners map[string][]*listener
	nextID    int
	// OnNewListener, when set, runs before a listener is added (Node's
	// 'newListener'): Readable uses it to start flowing on 'data'.
	OnNewListener func(event string)
}

// On adds a listener.
func (e *Emitter) On(event string, fn Listener) { e.add(event, fn, false) }

// Once adds a listener that runs at most once.
func (e *Emitter) Once(event string, fn Listener) { e.add(event, fn, true) }

func (e *Emitter) add(event string, fn Listener, once bool) {
	if e.OnNewListener != nil {
		e.OnNewListener(event)
	}
	if e.listeners == nil {
		e.listeners = map[string][]*listener{}
	}
	e.nextID++
	e.listeners[event] = append(e.listeners[event], &listener{fn: fn, once: once, id: e.nextID})
}

// ListenerCount is the number of listeners for event.
func (e *Emitter) ListenerCount(event string) int { return len(e.listeners[event]) }

// Emit calls every listener of event with args; it reports whether there
// were any. The list is copied first, so listeners added during the emit do
// not run for it.
func (e *Emitter) Emit(event string, args ...any) bool {
	ls := append([]*listener(nil), e.listeners[event]...)
	for _, l := range ls {
		if l.once {
			e.remove(event, l.id)
		}
		l.fn(args...)
	}
	return len(ls) > 0
}

func (e *Emitter) remove(event string, id int) {
	ls := e.listeners[event]
	for i, l := range ls {
		if l.id == id {
			e.listeners[event] = append(ls[:i:i], ls[i+1:]...)
			return
		}
	}
}
