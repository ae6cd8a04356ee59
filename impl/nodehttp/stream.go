package nodehttp

import "github.com/nodespec/nodespec/impl/js"

// The writable-stream side of a response (http/OutgoingMessage's stream
// members, reached through http/ServerResponse): bytes the response holds
// before the socket gets them, cork and uncork, write callbacks, the
// high-water mark and 'drain'. The docs give the members; what they read
// and when the callbacks run are the releases' (observed; fixtures under
// http/ServerResponse.response.cork, .response.write and
// http/OutgoingMessage.*).
//
// The releases hold the bytes of a response's first write (its head with
// the first chunk) until the next tick, so the writes of that tick go out
// together; a destroy() before then loses them (Node 14 and later; Node 6
// writes at once). While the program has corked the response, every write
// is held until the matching uncork. end() sends whatever is held, corked
// or not, ahead of its own bytes.

// defaultHighWaterMark is writableHighWaterMark without the server's
// highWaterMark option. The docs give the socket's mark, and 16384 only
// for a response without a socket; a response always has one here, and
// its socket's mark is 65536 on Node 22-26 (Node 20: 16384, recorded in
// om-highwatermark-default).
const defaultHighWaterMark = 65536

// writeChunk queues the framed bytes of one write (the head first, if it
// has not gone out) and reports what write() returns.
func (r *ServerResponse) writeChunk(b []byte, cb js.Callback) bool {
	headOut := r.headersSent && len(r.headBytes) == 0
	out := r.takeHead(-1)
	r.bodyLen += len(b)
	out = append(out, r.frame(b)...)
	r.held = append(r.held, out...)
	if cb != nil {
		r.heldCbs = append(r.heldCbs, cb)
	}
	ret := true
	if r.profile().Era == EraLatest && len(r.held) >= r.highWaterMark() {
		// More is buffered than the mark allows: write() says so, and
		// 'drain' follows once the bytes are out.
		r.needDrain, ret = true, false
	}
	switch {
	case r.corked > 0 || r.tickHold:
		// held until uncork, or joins the first write of this tick
	case !headOut && r.profile().Era != EraV6:
		r.tickHold = true
		r.exchange.sock.Loop.NextTick(func() {
			r.tickHold = false
			if r.corked == 0 {
				r.flush()
			}
		})
	default:
		r.flush()
	}
	return ret
}

// flush hands the held bytes to the socket; their write callbacks run on
// the next tick (before a 'finish' the same flush leads to).
func (r *ServerResponse) flush() {
	b, cbs := r.held, r.heldCbs
	r.held, r.heldCbs = nil, nil
	if r.destroyed && r.profile().Era != EraV6 {
		// Lost with the socket. The latest line tells each callback so;
		// Node 14 never calls them (observed).
		if r.profile().Era == EraLatest {
			for _, cb := range cbs {
				r.destroyedCallback(cb)
			}
		}
		return
	}
	if len(b) > 0 {
		r.send(b)
	}
	l := r.exchange.sock.Loop
	for _, cb := range cbs {
		l.NextTick(func() { r.callWriteCallback(cb) })
	}
	if r.needDrain {
		// As a socket write completes: after the ticks of this turn.
		l.Post(func() {
			if r.needDrain && !r.finished && !r.destroyed {
				r.needDrain = false
				r.Emit("drain")
			}
		})
	}
}

// callWriteCallback calls a write callback for bytes that went out: with
// no argument on Node 6, undefined on Node 14, null on the latest line.
func (r *ServerResponse) callWriteCallback(cb js.Callback) {
	switch r.profile().Era {
	case EraV6:
		cb()
	case EraV14:
		cb(js.Undefined{})
	default:
		cb(nil)
	}
}

// destroyedCallback tells a write callback, on the next tick, that its
// bytes can no longer be written (latest line).
func (r *ServerResponse) destroyedCallback(cb js.Callback) {
	err := &js.Error{Name: "Error", Code: "ERR_STREAM_DESTROYED", Message: "Cannot call write after a stream was destroyed"}
	r.exchange.sock.Loop.NextTick(func() { cb(err) })
}

// highWaterMark is writableHighWaterMark: the server's highWaterMark
// option, or the default.
func (r *ServerResponse) highWaterMark() int {
	if n := r.exchange.conn.srv.highWaterMark; n > 0 {
		return n
	}
	return defaultHighWaterMark
}

// cork is response.cork(): writes are held until as many uncork calls.
func (r *ServerResponse) cork() { r.corked++ }

// uncork is response.uncork(): the last one sends what was held. An uncork
// with nothing corked does nothing (the count stays at 0, as the docs'
// counter implies and Node 20 does; Node 22-26 go to -1, recorded).
func (r *ServerResponse) uncork() {
	if r.corked == 0 {
		return
	}
	r.corked--
	if r.corked == 0 && !r.tickHold {
		r.flush()
	}
}

// bodyForbidden: the request or the status allows no body (HEAD, 204,
// 304), which the rejectNonStandardBodyWrites option turns into a throw.
func (r *ServerResponse) bodyForbidden() bool {
	code := r.status()
	return r.exchange.req.head.Method == "HEAD" || code == 204 || code == 304
}
