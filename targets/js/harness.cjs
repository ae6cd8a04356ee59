// nodespec harness: runs one case program at a time on Node.js, Bun or Deno
// and answers with its trace. Speaks the JSON-lines protocol of
// targets/PROTOCOL.md on stdin/stdout; the program format is
// fixtures/FORMAT.md.
//
// This file must run unchanged on Node 6.17.1 up to the newest Node, on Bun
// and on Deno (`deno run -A harness.cjs`): plain ES5 plus what Node 6 has
// (no arrow functions, let/const, classes, template literals, destructuring,
// spread, async/await, optional chaining), CommonJS, no dependencies.
// Nothing but protocol answers is ever written to stdout; diagnostics go to
// stderr.
'use strict';

var http = require('http');
var net = require('net');
var os = require('os');
var pathMod = require('path');
var fsMod = require('fs');
var BufferCtor = typeof Buffer !== 'undefined' ? Buffer : require('buffer').Buffer;

var MAX_DEPTH = 8;          // nesting limit of a summarised value
var MAX_NODES = 20000;      // values summarised per summary, a guard on huge objects
var FINISH_GUARD_MS = 2000; // finish answers anyway when the server never closes

// Event signatures (FORMAT.md): the names the arguments are bound to inside a
// handler, and the kinds of the objects that first appear through them.
var SIGNATURES = {
  'server.request': ['req', 'res'],
  'server.checkContinue': ['req', 'res'],
  'server.checkExpectation': ['req', 'res'],
  'server.connection': ['sock'],
  'server.clientError': ['error', 'sock'],
  'server.connect': ['req', 'sock', 'head'],
  'server.upgrade': ['req', 'sock', 'head'],
  'server.dropRequest': ['req', 'sock'],
  'server.timeout': ['sock'],
  'creq.response': ['cres'],
  'creq.upgrade': ['cres', 'sock', 'head'],
  'creq.connect': ['cres', 'sock', 'head'],
  'creq.socket': ['sock'],
  'netserver.connection': ['sock']
};

// Kinds whose first object is named bare (server, agent) rather than numbered.
var SINGLETONS = { server: true, agent: true, netserver: true };

// ---------------------------------------------------------------------------
// Output: one writer, one JSON line per answer.

var pendingWrites = 0;
var stdinEnded = false;
var busy = false;
var queue = [];

function hex2(n) {
  var s = n.toString(16);
  return s.length < 2 ? '0' + s : s;
}

function hex4(n) {
  var s = n.toString(16);
  while (s.length < 4) s = '0' + s;
  return s;
}

// Old engines (Node < 12) let JSON.stringify emit lone surrogates, which do
// not survive UTF-8; escape them as \uXXXX (they only occur inside strings).
function fixSurrogates(s) {
  if (!/[\ud800-\udfff]/.test(s)) return s;
  var out = '';
  for (var i = 0; i < s.length; i++) {
    var c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      var d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s.charAt(i) + s.charAt(i + 1);
        i++;
        continue;
      }
      out += '\\u' + hex4(c);
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      out += '\\u' + hex4(c);
    } else {
      out += s.charAt(i);
    }
  }
  return out;
}

function send(obj) {
  var line;
  try {
    line = JSON.stringify(obj);
  } catch (e) {
    line = JSON.stringify({ op: 'error', error: 'cannot encode answer: ' + errText(e) });
  }
  line = fixSurrogates(line) + '\n';
  pendingWrites++;
  try {
    process.stdout.write(line, function () {
      pendingWrites--;
      maybeExit();
    });
  } catch (e) {
    pendingWrites--;
    diag('stdout write failed: ' + errText(e));
    process.exit(1);
  }
}

function diag(text) {
  try {
    process.stderr.write('harness: ' + text + '\n');
  } catch (e) {
    // nowhere left to say it
  }
}

function errText(e) {
  if (e && typeof e === 'object' && e.stack) return String(e.stack);
  return String(e);
}

function maybeExit() {
  if (stdinEnded && !busy && queue.length === 0 && pendingWrites === 0) {
    process.exit(0);
  }
}

// ---------------------------------------------------------------------------
// Bytes: nodespec's escape language (FORMAT.md, Byte rules).

function isBytes(v) {
  if (BufferCtor.isBuffer(v)) return true;
  return typeof Uint8Array === 'function' && v instanceof Uint8Array;
}

function escapeBytes(b) {
  var out = '';
  for (var i = 0; i < b.length; i++) {
    var c = b[i];
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x00) out += '\\0';
    else if (c >= 0x20 && c <= 0x7e) out += String.fromCharCode(c);
    else out += '\\x' + hex2(c);
  }
  return out;
}

function makeBuffer(arr) {
  if (typeof BufferCtor.from === 'function' && BufferCtor.from !== Uint8Array.from) {
    return BufferCtor.from(arr);
  }
  return new BufferCtor(arr);
}

function utf8Bytes(ch) {
  var b = typeof BufferCtor.from === 'function' && BufferCtor.from !== Uint8Array.from ?
    BufferCtor.from(ch, 'utf8') : new BufferCtor(ch, 'utf8');
  var out = [];
  for (var i = 0; i < b.length; i++) out.push(b[i]);
  return out;
}

function unescapeBytes(s) {
  var out = [];
  for (var i = 0; i < s.length; i++) {
    var ch = s.charAt(i);
    var c = s.charCodeAt(i);
    if (ch === '\\' && i + 1 < s.length) {
      var n = s.charAt(i + 1);
      if (n === '\\') { out.push(0x5c); i++; continue; }
      if (n === 'r') { out.push(0x0d); i++; continue; }
      if (n === 'n') { out.push(0x0a); i++; continue; }
      if (n === 't') { out.push(0x09); i++; continue; }
      if (n === '0') { out.push(0x00); i++; continue; }
      if (n === 'x' && i + 3 < s.length && /^[0-9a-fA-F]{2}$/.test(s.substr(i + 2, 2))) {
        out.push(parseInt(s.substr(i + 2, 2), 16));
        i += 3;
        continue;
      }
      throw new Error('bad escape in $bytes at ' + i + ': ' + JSON.stringify(s));
    }
    if (c < 0x80) {
      out.push(c);
    } else {
      var ch2 = ch;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        ch2 += s.charAt(i + 1);
        i++;
      }
      var u = utf8Bytes(ch2);
      for (var j = 0; j < u.length; j++) out.push(u[j]);
    }
  }
  return makeBuffer(out);
}

// ---------------------------------------------------------------------------
// Case state.

var cs = null; // the current case (the last one started)

function newCase(id, program) {
  return {
    id: id,
    program: program,
    trace: [],
    counters: {},
    named: [],      // {obj, name, kind, peers}
    sockets: [],    // every server-side socket seen, destroyed at finish
    server: null,
    serverName: 'server', // the lane of the program's server: server (http) or netserver (net)
    closedSockets: [], // sockets that have emitted 'close' (net cases end when all have)
    peer: null,     // client-side cases: {port} of the scripted raw server
    clients: [],    // client requests: {req, closed, sockets}; finish waits for their close
    onQuiet: null,  // set by finish: called when the last client request closes
    serverClosesPending: 0, // calls of the server's close(cb) whose callback has not run yet
    closed: false   // true once the trace was sent: late events are dropped
  };
}

function entryOf(c, obj) {
  if (!c || obj === null || obj === undefined) return null;
  for (var i = 0; i < c.named.length; i++) {
    if (c.named[i].obj === obj) return c.named[i];
  }
  return null;
}

function nameOf(c, obj) {
  if (obj === http) return 'http';
  if (obj === net) return 'net';
  var e = entryOf(c, obj);
  return e ? e.name : null;
}

function byName(c, name) {
  if (name === 'http') return http;
  if (name === 'net') return net;
  if (!c) return undefined;
  for (var i = 0; i < c.named.length; i++) {
    if (c.named[i].name === name) return c.named[i].obj;
  }
  return undefined;
}

function record(c, entry) {
  if (c && !c.closed) c.trace.push(entry);
}

function listOf(v) {
  return Array.isArray(v) ? v : [];
}

function watched(c, kind, ev) {
  var w = c.program.watch;
  return !!(w && typeof w === 'object' && listOf(w[kind]).indexOf(ev) >= 0);
}

// handlerOf: the steps for an event, the kind's handler (creq.close) then
// the object's own (creq1.close).
function handlerOf(c, kind, ev, name) {
  var on = c.program.on;
  if (!on || typeof on !== 'object') return null;
  var out = [];
  var keys = [kind + '.' + ev];
  if (name && name !== kind) keys.push(name + '.' + ev);
  for (var i = 0; i < keys.length; i++) {
    if (Object.prototype.hasOwnProperty.call(on, keys[i])) out = out.concat(listOf(on[keys[i]]));
  }
  return out.length ? out : null;
}

// eventsFor lists the events to listen to on an object of a kind: the ones
// watched or handled, nothing else (a listener can change what Node does).
function eventsFor(c, kind, extra, name) {
  var out = [];
  var i;
  function add(ev) {
    if (typeof ev === 'string' && out.indexOf(ev) < 0) out.push(ev);
  }
  for (i = 0; i < extra.length; i++) add(extra[i]);
  var w = c.program.watch;
  if (w && typeof w === 'object') {
    var l = listOf(w[kind]);
    for (i = 0; i < l.length; i++) add(l[i]);
  }
  var on = c.program.on;
  if (on && typeof on === 'object') {
    var keys = Object.keys(on);
    for (i = 0; i < keys.length; i++) {
      var dot = keys[i].indexOf('.');
      // callback:<method> handlers run from the callback, not a listener.
      var who = keys[i].slice(0, dot);
      var rest = keys[i].slice(dot + 1);
      if (dot > 0 && (who === kind || who === name) && rest.indexOf('callback:') !== 0 && rest.indexOf('override:') !== 0) {
        add(keys[i].slice(dot + 1));
      }
    }
  }
  return out;
}

// adopt names an object the first time it appears and attaches the watchers
// and handlers of its kind. It returns the object's entry.
function adopt(c, obj, kind, num) {
  var e = entryOf(c, obj);
  if (e) return e;
  var n = num;
  if (n === undefined) {
    n = (c.counters[kind] || 0) + 1;
    c.counters[kind] = n;
  }
  var name = SINGLETONS[kind] && n === 1 ? kind : kind + n;
  e = { obj: obj, name: name, kind: kind, peers: {} };
  c.named.push(e);
  if (kind === 'sock') trackSocket(c, obj);
  if (kind === 'creq') trackClient(c, obj);
  if (obj && typeof obj.on === 'function') {
    var extra = kind === 'server' ? ['request', 'connection'] : kind === 'netserver' ? ['connection'] : [];
    var evs = eventsFor(c, kind, extra, name);
    for (var i = 0; i < evs.length; i++) attach(c, obj, kind, evs[i]);
  }
  installOverrides(c, obj, kind, name);
  return e;
}

// installOverrides replaces the methods a program overrides
// ("<kind>.override:<method>" handlers, e.g. agent.override:keepSocketAlive):
// each call is recorded as the event override:<method> on the object, the
// handler's steps run with the object bound to its kind and the arguments
// as arg<i>, and the call returns the value of a return step, or else what
// the original method returns.
function installOverrides(c, obj, kind, name) {
  var on = c.program.on;
  if (!on || typeof on !== 'object' || !obj) return;
  var keys = Object.keys(on);
  for (var i = 0; i < keys.length; i++) {
    var dot = keys[i].indexOf('.');
    var who = keys[i].slice(0, dot);
    var rest = keys[i].slice(dot + 1);
    if (dot <= 0 || (who !== kind && who !== name) || rest.indexOf('override:') !== 0) continue;
    overrideMethod(c, obj, kind, rest.slice('override:'.length), listOf(on[keys[i]]));
  }
}

function overrideMethod(c, obj, kind, method, steps) {
  var original = obj[method];
  obj[method] = function () {
    var args = [];
    for (var i = 0; i < arguments.length; i++) args.push(arguments[i]);
    var ev = 'override:' + method;
    var entry = { o: nameOf(c, obj) || kind, ev: ev };
    if (args.length) entry.args = summarizeList(c, args);
    if (!c.closed) record(c, entry);
    var scope = scopeFor(c, kind, obj, ev, args);
    for (var j = 0; j < steps.length; j++) {
      if (c.closed) break;
      if (steps[j] && Object.prototype.hasOwnProperty.call(steps[j], 'return')) {
        try {
          return decode(c, scope, steps[j]['return']);
        } catch (e) {
          harnessError(c, 'override ' + kind + '.' + method, e);
          break;
        }
      }
      try {
        runStep(c, steps[j], scope);
      } catch (e) {
        harnessError(c, 'step ' + JSON.stringify(steps[j]), e);
      }
    }
    return typeof original === 'function' ? original.apply(this, arguments) : undefined;
  };
}

// adoptExchange names a server request and its response with the same number.
function adoptExchange(c, req, res) {
  var er = entryOf(c, req);
  if (!er) {
    var n = (c.counters.req || 0) + 1;
    c.counters.req = n;
    er = adopt(c, req, 'req', n);
  }
  var es = null;
  if (res !== undefined && res !== null) {
    es = entryOf(c, res);
    if (!es) es = adopt(c, res, 'res', Number(er.name.slice(3)));
    er.peers.res = res;
    es.peers.req = req;
  }
  var sock = null;
  try {
    sock = req.socket || null;
  } catch (e) {
    sock = null;
  }
  if (sock && typeof sock === 'object') {
    var ek = entryOf(c, sock);
    // Runtimes that emit no 'connection' (or another object there) get the
    // request's socket named on first sight.
    if (!ek) ek = adopt(c, sock, 'sock');
    er.peers.sock = sock;
    if (es) es.peers.sock = sock;
    ek.peers.req = req;
    if (res !== undefined && res !== null) ek.peers.res = res;
    else delete ek.peers.res;
  }
}

// prepare names the objects an event brings before it is recorded.
function prepare(c, kind, obj, ev, args) {
  var key = kind + '.' + ev;
  if (key === 'server.request' || key === 'server.checkContinue' || key === 'server.checkExpectation') {
    if (args[0]) adoptExchange(c, args[0], args[1]);
  } else if (key === 'server.connection' || key === 'netserver.connection') {
    if (args[0]) adopt(c, args[0], 'sock');
  } else if (key === 'server.clientError') {
    if (args[1] && typeof args[1] === 'object') adopt(c, args[1], 'sock');
  } else if (key === 'server.dropRequest') {
    if (args[1] && typeof args[1] === 'object') adopt(c, args[1], 'sock');
    if (args[0]) adoptExchange(c, args[0], null);
  } else if (key === 'server.connect' || key === 'server.upgrade') {
    if (args[1] && typeof args[1] === 'object') adopt(c, args[1], 'sock');
    if (args[0]) adoptExchange(c, args[0], null);
  } else if (key === 'creq.response' || key === 'creq.upgrade' || key === 'creq.connect') {
    if (key !== 'creq.response' && args[1] && typeof args[1] === 'object') adopt(c, args[1], 'sock');
    if (args[0]) {
      var n = Number((entryOf(c, obj) || { name: 'creq0' }).name.slice(4)) || undefined;
      var ec = adopt(c, args[0], 'cres', n);
      var eq = entryOf(c, obj);
      if (eq) eq.peers.cres = args[0];
      ec.peers.creq = obj;
    }
  } else if (key === 'creq.socket') {
    if (args[0]) {
      var ek = adopt(c, args[0], 'sock');
      var eq2 = entryOf(c, obj);
      if (eq2) eq2.peers.sock = args[0];
      ek.peers.creq = obj;
    }
  }
}

function attach(c, obj, kind, ev) {
  obj.on(ev, function () {
    if (c.closed) return;
    var args = [];
    for (var i = 0; i < arguments.length; i++) args.push(arguments[i]);
    try {
      prepare(c, kind, obj, ev, args);
      if (watched(c, kind, ev)) {
        var entry = { o: nameOf(c, obj) || kind, ev: ev };
        if (args.length) entry.args = summarizeList(c, args);
        record(c, entry);
      }
      var steps = handlerOf(c, kind, ev, nameOf(c, obj));
      if (steps && steps.length) runSteps(c, steps, scopeFor(c, kind, obj, ev, args));
    } catch (e) {
      harnessError(c, 'listener ' + kind + '.' + ev, e);
    }
  });
}

// ---------------------------------------------------------------------------
// Values (FORMAT.md, Values).

function isError(v) {
  if (v instanceof Error) return true;
  return Object.prototype.toString.call(v) === '[object Error]';
}

function summarize(c, v) {
  return sum(c, v, 0, { n: 0, stack: [] });
}

function summarizeList(c, list) {
  var out = [];
  for (var i = 0; i < list.length; i++) out.push(summarize(c, list[i]));
  return out;
}

function sum(c, v, depth, st) {
  if (v === undefined) return { $undefined: true };
  if (v === null) return null;
  var t = typeof v;
  if (t === 'boolean' || t === 'string') return v;
  if (t === 'number') {
    if (v !== v) return { $number: 'NaN' };
    if (v === Infinity) return { $number: 'Infinity' };
    if (v === -Infinity) return { $number: '-Infinity' };
    return v;
  }
  if (t === 'bigint') return { $bigint: String(v) };
  if (t === 'symbol') return { $symbol: String(v) };
  var name = nameOf(c, v);
  if (name) return { $ref: name };
  if (t === 'function') return { $function: true };
  if (isBytes(v)) return { $bytes: escapeBytes(v) };
  if (typeof ArrayBuffer === 'function' && v instanceof ArrayBuffer) {
    return { $bytes: escapeBytes(new Uint8Array(v)) };
  }
  if (isError(v)) {
    var er = {};
    try {
      er.name = sum(c, v.name, depth + 1, st);
      var code = v.code;
      if (code !== undefined) er.code = sum(c, code, depth + 1, st);
      er.message = sum(c, v.message, depth + 1, st);
    } catch (e) {
      er.message = 'unreadable error';
    }
    return { $error: er };
  }
  if (depth >= MAX_DEPTH || st.stack.indexOf(v) >= 0 || ++st.n > MAX_NODES) return { $depth: true };
  st.stack.push(v);
  var out;
  try {
    if (Array.isArray(v)) {
      out = [];
      for (var i = 0; i < v.length; i++) out.push(sum(c, v[i], depth + 1, st));
    } else {
      out = Object.create(null);
      var keys = Object.keys(v);
      for (var k = 0; k < keys.length; k++) {
        var val;
        try {
          val = sum(c, v[keys[k]], depth + 1, st);
        } catch (e) {
          val = { $threw: sum(c, e, depth + 1, st) };
        }
        out[keys[k]] = val;
      }
    }
  } finally {
    st.stack.pop();
  }
  return out;
}

// decode turns a program value into a JavaScript value: tagged objects become
// undefined, Buffers, named objects, special numbers and recording callbacks.
function decode(c, scope, v, label) {
  if (Array.isArray(v)) {
    var arr = [];
    for (var i = 0; i < v.length; i++) arr.push(decode(c, scope, v[i], label));
    return arr;
  }
  if (v !== null && typeof v === 'object') {
    var keys = Object.keys(v);
    if (keys.length === 1) {
      var k = keys[0];
      var x = v[k];
      if (k === '$undefined') return undefined;
      if (k === '$bytes') return unescapeBytes(String(x));
      if (k === '$ref') {
        var b = resolve(c, scope, String(x));
        if (!b) throw stepError('unknown $ref ' + JSON.stringify(x));
        return b.v;
      }
      if (k === '$number') return Number(x);
      if (k === '$peerURL') {
        if (!c.peer) throw stepError('{$peerURL: ...} needs a client-side case (wire.peer)');
        return 'http://127.0.0.1:' + c.peer.port + String(x);
      }
      if (k === '$peer') {
        if (x === 'path' && c.peer && c.peer.path) return c.peer.path;
        if (x !== 'port' || !c.peer || !c.peer.port) {
          throw stepError('{$peer: ' + JSON.stringify(x) + '} needs a client-side case (wire.peer; a path needs wire.peer_on: unix)');
        }
        return c.peer.port;
      }
      if (k === '$function') return callbackFor(c, label);
      if (k === '$port') {
        // the port a named server of the program listens on (EADDRINUSE)
        var srv = resolve(c, scope, String(x));
        var ad = srv && srv.v && typeof srv.v.address === 'function' ? srv.v.address() : null;
        if (!ad || typeof ad.port !== 'number') throw stepError('{$port: ' + JSON.stringify(x) + '}: no such listening server');
        return ad.port;
      }
    }
    var obj = {};
    for (var j = 0; j < keys.length; j++) {
      var val = decode(c, scope, v[keys[j]], label);
      if (keys[j] === '__proto__') {
        Object.defineProperty(obj, '__proto__', { value: val, enumerable: true, writable: true, configurable: true });
      } else {
        obj[keys[j]] = val;
      }
    }
    return obj;
  }
  return v;
}

// callbackFor makes the function a {$function: true} argument stands for: it
// records its calls as the event "callback:<method>" on the called object.
function callbackFor(c, label) {
  // A server's close(cb) always calls back (with ERR_SERVER_NOT_RUNNING
  // when it was not listening), on some runtimes only turns later (Deno):
  // a net case is not quiet until it has (finishNet).
  // It is counted once the call it is passed to is made (doCall), and
  // uncounted if that call throws.
  var serverClose = !!label && label.o === 'netserver' && label.call === 'close';
  var fn = function () {
    settleServerClose(c, fn);
    if (c.closed) return;
    var args = [];
    for (var i = 0; i < arguments.length; i++) args.push(arguments[i]);
    var entry = { o: label ? label.o : 'harness', ev: 'callback:' + (label ? label.call : '?') };
    if (args.length) entry.args = summarizeList(c, args);
    record(c, entry);
    // A handler "<kind>.callback:<method>" runs when the callback is called,
    // with the callee as the emitter.
    if (!label) return;
    var obj = byName(c, label.o);
    var own = entryOf(c, obj);
    var kind = own ? own.kind : label.o;
    var steps = handlerOf(c, kind, entry.ev);
    if (!steps || !steps.length) return;
    try {
      runSteps(c, steps, scopeFor(c, kind, obj, entry.ev, args));
    } catch (e) {
      harnessError(c, 'callback ' + kind + '.' + entry.ev, e);
    }
  };
  if (serverClose) fn.nodespecServerClose = true;
  return fn;
}

// ---------------------------------------------------------------------------
// Steps.

function stepError(msg) {
  var e = new Error(msg);
  e.name = 'HarnessStepError';
  e.isStepError = true;
  return e;
}

function harnessError(c, where, e) {
  if (e && e.isStepError) {
    record(c, { o: 'harness', ev: 'step-error', args: [e.message] });
    diag((c ? c.id + ': ' : '') + where + ': ' + e.message);
    return;
  }
  record(c, { o: 'harness', ev: 'uncaught', args: [summarize(c, e)] });
  diag((c ? c.id + ': ' : '') + where + ': ' + errText(e));
}

function baseScope(c) {
  var scope = Object.create(null);
  scope.http = { v: http, o: 'http' };
  scope.net = { v: net, o: 'net' };
  if (c && c.server) scope[c.serverName] = { v: c.server, o: c.serverName };
  return scope;
}

function scopeFor(c, kind, obj, ev, args) {
  var scope = baseScope(c);
  var i;
  function bind(name, v) {
    scope[name] = { v: v, o: nameOf(c, v) || name };
  }
  // Same-exchange objects of the emitter (res for req ...), then the
  // emitter, then the event's arguments and their own exchange.
  var own = entryOf(c, obj);
  if (own) {
    var pk = Object.keys(own.peers);
    for (i = 0; i < pk.length; i++) bind(pk[i], own.peers[pk[i]]);
  }
  bind(kind, obj);
  var sig = SIGNATURES[kind + '.' + ev];
  var bound = [kind];
  if (sig) {
    for (i = 0; i < sig.length && i < args.length; i++) {
      bind(sig[i], args[i]);
      bound.push(sig[i]);
    }
    for (i = 0; i < sig.length && i < args.length; i++) {
      var e = entryOf(c, args[i]);
      if (!e) continue;
      var ks = Object.keys(e.peers);
      for (var j = 0; j < ks.length; j++) {
        if (bound.indexOf(ks[j]) < 0) bind(ks[j], e.peers[ks[j]]);
      }
    }
  }
  for (i = 0; i < args.length; i++) {
    bind('arg' + i, args[i]);
    if (!sig && isError(args[i]) && !('error' in scope)) bind('error', args[i]);
  }
  return scope;
}

// resolve finds a name in a scope, then among the case's named objects.
function resolve(c, scope, name) {
  if (scope && name in scope) return scope[name];
  var v = byName(c, name);
  if (v !== undefined) return { v: v, o: name };
  return null;
}

function runSteps(c, steps, scope) {
  for (var i = 0; i < steps.length; i++) {
    if (c.closed) return;
    try {
      runStep(c, steps[i], scope);
    } catch (e) {
      harnessError(c, 'step ' + JSON.stringify(steps[i]), e);
    }
  }
}

function runStep(c, step, scope) {
  if (!step || typeof step !== 'object') throw stepError('step is not an object');
  if (typeof step.read === 'string' && step.read) return doRead(c, step, scope);
  if (typeof step.call === 'string' && step.call) return doCall(c, step, scope);
  if (typeof step.set === 'string' && step.set) return doSet(c, step, scope);
  if (typeof step['new'] === 'string' && step['new']) return doNew(c, step, scope);
  throw stepError('step has none of read, call, new or set: ' + JSON.stringify(step));
}

function holderOf(v) {
  return (v !== null && typeof v === 'object') || typeof v === 'function' ? v : Object(v);
}

function doRead(c, step, scope) {
  var parts = step.read.split('.');
  if (parts.length < 2) throw stepError('read needs <name>.<member>: ' + step.read);
  var b = resolve(c, scope, parts[0]);
  if (!b) throw stepError('unknown name ' + JSON.stringify(parts[0]) + ' in read ' + step.read);
  var path = parts.slice(1).join('.');
  var entry = { o: b.o, read: path };
  var obj = b.v;
  if (obj === null || obj === undefined) {
    throw stepError(parts[0] + ' is ' + obj + ' in read ' + step.read);
  }
  var holder = holderOf(obj);
  if (!(parts[1] in holder)) {
    entry.missing = true;
    record(c, entry);
    return;
  }
  var v;
  try {
    v = holder[parts[1]];
    for (var i = 2; i < parts.length; i++) {
      if (v === null || v === undefined) {
        v = undefined;
        break;
      }
      v = holderOf(v)[parts[i]];
    }
  } catch (e) {
    entry.threw = summarize(c, e);
    record(c, entry);
    return;
  }
  entry.value = summarize(c, v);
  record(c, entry);
}

// symbolParts joins "Symbol", "<name>" path segments into the well-known
// symbol (server.Symbol.asyncDispose is server[Symbol.asyncDispose]).
function symbolParts(parts) {
  var out = [];
  for (var i = 0; i < parts.length; i++) {
    if (i > 0 && parts[i] === 'Symbol' && i + 1 < parts.length && typeof Symbol === 'function' &&
        typeof Symbol[parts[i + 1]] === 'symbol') {
      out.push(Symbol[parts[i + 1]]);
      i++;
    } else {
      out.push(parts[i]);
    }
  }
  return out;
}

function doCall(c, step, scope) {
  var parts = symbolParts(step.call.split('.'));
  if (parts.length < 2) throw stepError('call needs <name>.<method>: ' + step.call);
  var b = resolve(c, scope, parts[0]);
  if (!b) throw stepError('unknown name ' + JSON.stringify(parts[0]) + ' in call ' + step.call);
  var path = step.call.split('.').slice(1).join('.');
  var rawArgs = Array.isArray(step.args) ? step.args : [];
  var entry = { o: b.o, call: path };
  var obj = b.v;
  for (var i = 1; i < parts.length - 1; i++) {
    if (obj === null || obj === undefined) break;
    obj = holderOf(obj)[parts[i]];
  }
  var method = parts[parts.length - 1];
  if (obj === null || obj === undefined || !(method in holderOf(obj)) ||
      typeof holderOf(obj)[method] !== 'function') {
    entry.missing = true;
    record(c, entry);
    return;
  }
  var args = decode(c, scope, rawArgs, { o: b.o, call: path });
  entry.args = rawArgs;
  // The entry takes its place before the call, so events the call emits
  // synchronously follow it; it is dropped if it is neither recorded nor
  // threw.
  record(c, entry);
  for (var k = 0; k < args.length; k++) {
    if (typeof args[k] === 'function' && args[k].nodespecServerClose) {
      args[k].nodespecCounted = true;
      c.serverClosesPending++;
    }
  }
  var ret;
  try {
    ret = holderOf(obj)[method].apply(obj, args);
  } catch (e) {
    entry.threw = summarize(c, e);
    for (var m = 0; m < args.length; m++) {
      if (typeof args[m] === 'function') settleServerClose(c, args[m]);
    }
    return;
  }
  adoptReturned(c, ret);
  if (step.record) {
    entry.returned = summarize(c, ret);
  } else {
    var at = c.trace.indexOf(entry);
    if (at >= 0) c.trace.splice(at, 1);
  }
}

// construct is `new Ctor(...args)` in ES5: bind the arguments, then new.
function construct(Ctor, args) {
  var Bound = Function.prototype.bind.apply(Ctor, [null].concat(args));
  return new Bound();
}

// doNew runs a constructor step (new: net.BlockList). Its entry is the call
// "new <Class>" on the first name's object; the instance is named by its
// kind (blocklist1, sockaddr1). A runtime without the class records missing.
function doNew(c, step, scope) {
  var parts = step['new'].split('.');
  if (parts.length < 2) throw stepError('new needs <name>.<Class>: ' + step['new']);
  var b = resolve(c, scope, parts[0]);
  if (!b) throw stepError('unknown name ' + JSON.stringify(parts[0]) + ' in new ' + step['new']);
  var path = parts.slice(1).join('.');
  var rawArgs = Array.isArray(step.args) ? step.args : [];
  var entry = { o: b.o, call: 'new ' + path };
  var Ctor = b.v;
  for (var i = 1; i < parts.length; i++) {
    if (Ctor === null || Ctor === undefined) break;
    Ctor = holderOf(Ctor)[parts[i]];
  }
  if (typeof Ctor !== 'function') {
    entry.missing = true;
    record(c, entry);
    return;
  }
  var args = decode(c, scope, rawArgs, { o: b.o, call: entry.call });
  entry.args = rawArgs;
  var obj;
  try {
    obj = construct(Ctor, args);
  } catch (e) {
    entry.threw = summarize(c, e);
    record(c, entry);
    return;
  }
  adoptReturned(c, obj);
  if (step.record) {
    entry.returned = summarize(c, obj);
    record(c, entry);
  }
}

// doSet assigns a value to a member (server.timeout = 50). It records
// nothing; a throwing assignment escapes to the caller and is recorded as
// uncaught, which fails the case.
function doSet(c, step, scope) {
  var parts = step.set.split('.');
  if (parts.length < 2) throw stepError('set needs <name>.<member>: ' + step.set);
  var b = resolve(c, scope, parts[0]);
  if (!b) throw stepError('unknown name ' + JSON.stringify(parts[0]) + ' in set ' + step.set);
  var obj = b.v;
  for (var i = 1; i < parts.length - 1; i++) {
    if (obj === null || obj === undefined) break;
    obj = holderOf(obj)[parts[i]];
  }
  if (obj === null || obj === undefined) throw stepError('nothing to set in ' + step.set);
  obj[parts[parts.length - 1]] = decode(c, scope, step.value, null);
}

// trackClient follows a client request for finish: it is done when it has
// emitted 'close'. Its sockets are noted so finish can destroy one an agent
// keeps. These listeners record nothing and change nothing Node does.
function trackClient(c, req) {
  var t = { req: req, closed: false, sockets: [] };
  c.clients.push(t);
  req.once('socket', function (s) { t.sockets.push(s); });
  req.once('close', function () {
    t.closed = true;
    if (c.onQuiet && clientsQuiet(c)) c.onQuiet();
  });
}

// trackSocket notes a socket for finish: a net case is done when every
// socket the program has seen has emitted 'close'. The listener records
// nothing.
function trackSocket(c, s) {
  c.sockets.push(s);
  if (!s || typeof s.once !== 'function') return;
  s.once('close', function () {
    c.closedSockets.push(s);
    if (c.onQuiet && netQuiet(c)) c.onQuiet();
  });
}

// settleServerClose: a counted close(cb) callback ran (or its call threw).
function settleServerClose(c, fn) {
  if (!fn.nodespecCounted) return;
  fn.nodespecCounted = false;
  c.serverClosesPending--;
  if (c.onQuiet && netQuiet(c)) c.onQuiet();
}

// netQuiet: every socket seen has closed and every close(cb) the program
// called on its server has called back.
function netQuiet(c) {
  return socketsQuiet(c) && c.serverClosesPending === 0;
}

function socketsQuiet(c) {
  return c.closedSockets.length >= c.sockets.length;
}

// isNetCase: a case whose program is about net sockets (a net server, or a
// client-side case without ClientRequests); it ends by quiescence.
function isNetCase(c) {
  if (c.server) return c.serverName === 'netserver';
  return c.clients.length === 0 && (c.sockets.length > 0 || c.serverClosesPending > 0);
}

function clientsQuiet(c) {
  for (var i = 0; i < c.clients.length; i++) {
    if (!c.clients[i].closed) return false;
  }
  return true;
}

// adoptReturned names objects of known kinds that a call creates.
function adoptReturned(c, v) {
  if (!v || typeof v !== 'object' || entryOf(c, v)) return;
  try {
    if (typeof http.ClientRequest === 'function' && v instanceof http.ClientRequest) adopt(c, v, 'creq');
    else if (typeof http.Agent === 'function' && v instanceof http.Agent) adopt(c, v, 'agent');
    else if (typeof http.Server === 'function' && v instanceof http.Server) return;
    else if (typeof net.Server === 'function' && v instanceof net.Server) adopt(c, v, 'netserver');
    else if (typeof net.Socket === 'function' && v instanceof net.Socket) adopt(c, v, 'sock');
    else if (typeof net.BlockList === 'function' && v instanceof net.BlockList) adopt(c, v, 'blocklist');
    else if (typeof net.SocketAddress === 'function' && v instanceof net.SocketAddress) adopt(c, v, 'sockaddr');
  } catch (e) {
    // instanceof on an exotic value: leave it unnamed
  }
}

// ---------------------------------------------------------------------------
// Operations.

function runtimeInfo() {
  var out = { op: 'hello', runtime: 'node', version: String(process.version).replace(/^v/, '') };
  if (typeof Bun !== 'undefined' || (process.versions && process.versions.bun)) {
    out.runtime = 'bun';
    out.runtimeVersion = typeof Bun !== 'undefined' && Bun.version ? String(Bun.version) : String(process.versions.bun);
  } else if (typeof Deno !== 'undefined') {
    out.runtime = 'deno';
    out.runtimeVersion = Deno.version && Deno.version.deno ? String(Deno.version.deno) : '';
  }
  return out;
}

// abandon tears down a case that was never finished.
function abandon(c) {
  if (!c || c.closed) return;
  c.closed = true;
  if (c.server) {
    try {
      c.server.close();
    } catch (e) {
      // already closed
    }
  }
  destroySockets(c);
}

function destroySockets(c) {
  for (var i = 0; i < c.sockets.length; i++) {
    var s = c.sockets[i];
    try {
      if (!s.destroyed && typeof s.destroy === 'function') s.destroy();
    } catch (e) {
      diag(c.id + ': destroying a socket: ' + errText(e));
    }
  }
}

// net's process-wide defaults (net/setDefaultAutoSelectFamily ...) as the
// runtime started with them. A case that sets one must not leak it into the
// next case of this long-lived process, so every case starts from these.
var NET_DEFAULTS = [];
(function () {
  var pairs = [['getDefaultAutoSelectFamily', 'setDefaultAutoSelectFamily'],
    ['getDefaultAutoSelectFamilyAttemptTimeout', 'setDefaultAutoSelectFamilyAttemptTimeout']];
  for (var i = 0; i < pairs.length; i++) {
    try {
      if (typeof net[pairs[i][0]] === 'function' && typeof net[pairs[i][1]] === 'function') {
        NET_DEFAULTS.push({ set: pairs[i][1], value: net[pairs[i][0]]() });
      }
    } catch (e) {
      diag('reading net.' + pairs[i][0] + ': ' + errText(e));
    }
  }
})();

function restoreNetDefaults() {
  for (var i = 0; i < NET_DEFAULTS.length; i++) {
    try {
      net[NET_DEFAULTS[i].set](NET_DEFAULTS[i].value);
    } catch (e) {
      diag('restoring net.' + NET_DEFAULTS[i].set + ': ' + errText(e));
    }
  }
}

// http keeps freed parsers in a pool (_http_common.parsers) for the next
// connection, which in this long-lived process may be the next case's. Node
// 6 puts a parser back with a half-built URL in it (a head of 32 or more
// fields handed over early, then a parse error), and the next such head
// starts with that URL: '/2/1' for '/1' (seen on node 6.17.1). A case's
// outcome must not hang on the case before it, so every case starts with an
// empty pool, as in a fresh process. Runtimes without the module skip this.
function emptyParserPool() {
  try {
    var pool = require('_http_common').parsers;
    if (pool && Array.isArray(pool.list)) pool.list.length = 0;
  } catch (e) { /* no _http_common here (bun, deno) */ }
}

function opStart(msg, done) {
  abandon(cs);
  restoreNetDefaults();
  emptyParserPool();
  var program = msg.program;
  if (!program || typeof program !== 'object' || Array.isArray(program)) {
    cs = null;
    send({ op: 'started', error: 'start without a program object' });
    return done();
  }
  var c = newCase(String(msg.id || ''), program);
  if (msg.peer && typeof msg.peer === 'object') c.peer = { port: Number(msg.peer.port), path: msg.peer.path ? String(msg.peer.path) : '' };
  cs = c;
  var server;
  try {
    if (program.calls !== undefined && program.calls !== null) {
      runSteps(c, listOf(program.calls), baseScope(c));
    }
    if (!('server' in program) || program.server === null || program.server === false) {
      send({ op: 'started' });
      return done();
    }
    var spec = program.server;
    var opts = spec && typeof spec === 'object' ? spec.options : undefined;
    var mod = spec && typeof spec === 'object' && spec.module === 'net' ? net : http;
    if (opts && typeof opts === 'object' && Object.keys(opts).length) {
      server = mod.createServer(decode(c, baseScope(c), opts, null));
    } else {
      server = mod.createServer();
    }
    c.server = server;
    c.serverName = mod === net ? 'netserver' : 'server';
    adopt(c, server, c.serverName);
  } catch (e) {
    c.closed = true;
    if (server) {
      try { server.close(); } catch (e2) { /* not listening */ }
    }
    send({ op: 'started', error: 'setting up the program: ' + errText(e) });
    return done();
  }
  // The port to listen on: the Go side names one (see rawwire/ports for why
  // not port 0), and starts the case again with another when it is taken.
  var listenPort = Number(msg.port) || 0;
  var answered = false;
  function onListenError(err) {
    if (answered) return;
    answered = true;
    c.closed = true;
    var a = { op: 'started', error: 'listen: ' + errText(err) };
    if (listenPort && err && err.code === 'EADDRINUSE') a.inUse = true;
    send(a);
    done();
  }
  function onListening(unixPath) {
    if (answered) return;
    answered = true;
    server.removeListener('error', onListenError);
    if (unixPath) {
      send({ op: 'started', path: unixPath });
      return done();
    }
    var port = 0;
    try {
      port = server.address().port;
    } catch (e) {
      port = 0;
    }
    if (!port) {
      c.closed = true;
      send({ op: 'started', error: 'listening, but the server has no port' });
    } else {
      send({ op: 'started', port: port });
    }
    done();
  }
  try {
    server.once('error', onListenError);
    var form = spec && typeof spec === 'object' ? spec.listen : undefined;
    if (form === 'path') {
      unixSeq++;
      var p = pathMod.join(os.tmpdir(), 'nodespec-' + process.pid + '-' + unixSeq + '.sock');
      try { fsMod.unlinkSync(p); } catch (e) { /* not there */ }
      listenRecorded(c, server, p, function () { onListening(p); });
    } else if (form === 'handle') {
      // The handle: a net.Server bound first, given to server.listen.
      var h = net.createServer();
      h.once('error', onListenError);
      h.listen(listenPort, '127.0.0.1', function () {
        // A throw here is past the try below: answer it, or the start
        // would wait out its deadline.
        try {
          listenRecorded(c, server, h, function () { onListening(''); });
        } catch (e) {
          h.close();
          onListenError(e);
        }
      });
    } else {
      server.listen(listenPort, '127.0.0.1', function () { onListening(''); });
    }
  } catch (e) {
    onListenError(e);
  }
}

var unixSeq = 0;

// listenRecorded is program.server.listen's call: server.listen(target, cb)
// recorded as {o: server, call: listen} with what it returned or threw, its
// callback as the event callback:listen (after the program's watchers of
// 'listening', since the call adds it as a listener), then next().
function listenRecorded(c, server, target, next) {
  var entry = { o: c.serverName, call: 'listen' };
  record(c, entry);
  var cb = callbackFor(c, { o: c.serverName, call: 'listen' });
  try {
    var ret = server.listen(target, function () {
      cb.apply(this, arguments);
      next();
    });
    entry.returned = summarize(c, ret);
  } catch (e) {
    entry.threw = summarize(c, e);
    throw e;
  }
}

function opFinish(msg, done) {
  var c = cs;
  if (!c || c.closed) {
    send({ op: 'trace', events: c ? c.trace : [] });
    return done();
  }
  if (isNetCase(c)) return finishNet(c, done);
  if (!c.server && c.clients.length) return finishClients(c, done);
  if (!c.server) {
    c.closed = true;
    send({ op: 'trace', events: c.trace });
    return done();
  }
  var reply = traceReply(c, done);
  try {
    c.server.close(function () {
      setImmediate(function () {
        setImmediate(function () { reply(false); });
      });
    });
  } catch (e) {
    diag(c.id + ': server.close: ' + errText(e));
    setImmediate(function () {
      setImmediate(function () { reply(false); });
    });
  }
  destroySockets(c);
}

// traceReply answers finish once: reply(false) when the case is quiet, or
// reply(true) from the guard (FINISH_GUARD_MS, recorded as finish-timeout).
function traceReply(c, done) {
  var replied = false;
  var guard = setTimeout(function () { reply(true); }, FINISH_GUARD_MS);
  function reply(timedOut) {
    if (replied) return;
    replied = true;
    clearTimeout(guard);
    c.onQuiet = null;
    if (timedOut) record(c, { o: 'harness', ev: 'finish-timeout' });
    c.closed = true;
    send({ op: 'trace', events: c.trace });
    done();
  }
  return reply;
}

// finishClients ends a client-side case: once every client request has
// closed (the peer is done by now), sockets an agent keeps are destroyed,
// two more turns let their events come, and the trace goes back. A request
// that never closes ends the wait at the guard, recorded as finish-timeout.
function finishClients(c, done) {
  var reply = traceReply(c, done);
  function settle() {
    c.onQuiet = null;
    for (var i = 0; i < c.clients.length; i++) {
      for (var j = 0; j < c.clients[i].sockets.length; j++) {
        var s = c.clients[i].sockets[j];
        if (!s.destroyed) s.destroy();
      }
    }
    setImmediate(function () {
      setImmediate(function () { reply(false); });
    });
  }
  if (clientsQuiet(c)) return settle();
  c.onQuiet = settle;
}

// finishNet ends a net case by quiescence: once every socket the program
// has seen has emitted 'close' (the peer is done by now), the server is
// closed if the program left it open, and after two more turns the trace
// goes back. A socket that never closes ends the wait at the guard,
// recorded as finish-timeout.
function finishNet(c, done) {
  var reply = traceReply(c, done);
  // A timer, not a second immediate: Deno emits a net server's 'close'
  // only in a later timers phase (net-async-dispose lost its close with
  // two immediates, seen on deno 2.9.6).
  function later() {
    setImmediate(function () {
      setTimeout(function () { reply(false); }, 0);
    });
  }
  function settle() {
    c.onQuiet = null;
    if (!c.server || !c.server.listening) return later();
    try {
      c.server.close(later);
    } catch (e) {
      diag(c.id + ': server.close: ' + errText(e));
      later();
    }
  }
  // A socket that was never connected (new net.Socket() alone) has
  // nothing that would close it: it is destroyed instead of waited for.
  for (var i = 0; i < c.sockets.length; i++) {
    var s = c.sockets[i];
    try {
      if (s && !s.destroyed && s.pending && !s.connecting && typeof s.destroy === 'function') s.destroy();
    } catch (e) {
      diag(c.id + ': destroying an unconnected socket: ' + errText(e));
    }
  }
  if (netQuiet(c)) return settle();
  c.onQuiet = settle;
}

function handleLine(line, done) {
  var msg;
  try {
    msg = JSON.parse(line);
  } catch (e) {
    send({ op: 'error', error: 'request is not JSON: ' + String(e && e.message) });
    return done();
  }
  var op = msg && typeof msg === 'object' ? msg.op : undefined;
  if (op === 'hello') {
    send(runtimeInfo());
    return done();
  }
  if (op === 'start') return opStart(msg, done);
  if (op === 'finish') return opFinish(msg, done);
  send({ op: 'error', error: 'unknown op ' + JSON.stringify(op) });
  return done();
}

// Requests are handled one at a time, in order: start answers when the
// server listens, finish when the server has closed.
function pump() {
  while (!busy && queue.length) {
    var line = queue.shift();
    busy = true;
    var sync = true;
    var finished = false;
    var doneFn = function () {
      if (finished) return;
      finished = true;
      busy = false;
      if (!sync) pump();
    };
    try {
      handleLine(line, doneFn);
    } catch (e) {
      diag('handling ' + JSON.stringify(line.slice(0, 200)) + ': ' + errText(e));
      send({ op: 'error', error: 'harness failure: ' + String(e && e.message) });
      doneFn();
    }
    sync = false;
  }
  maybeExit();
}

// ---------------------------------------------------------------------------
// Process wiring.

process.on('uncaughtException', function (e) {
  if (cs && !cs.closed) {
    record(cs, { o: 'harness', ev: 'uncaught', args: [summarize(cs, e)] });
  }
  diag('uncaught exception' + (cs ? ' in ' + cs.id : '') + ': ' + errText(e));
});

process.on('unhandledRejection', function (e) {
  if (cs && !cs.closed) {
    record(cs, { o: 'harness', ev: 'uncaught', args: [summarize(cs, e)] });
  }
  diag('unhandled rejection' + (cs ? ' in ' + cs.id : '') + ': ' + errText(e));
});

if (process.stdout && typeof process.stdout.on === 'function') {
  process.stdout.on('error', function (e) {
    diag('stdout: ' + errText(e));
    process.exit(1);
  });
}

var inbuf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', function (chunk) {
  inbuf += chunk;
  var nl;
  while ((nl = inbuf.indexOf('\n')) >= 0) {
    var line = inbuf.slice(0, nl);
    inbuf = inbuf.slice(nl + 1);
    if (line.charAt(line.length - 1) === '\r') line = line.slice(0, -1);
    if (/^\s*$/.test(line)) continue;
    queue.push(line);
  }
  pump();
});
process.stdin.on('end', function () {
  var rest = inbuf;
  inbuf = '';
  if (rest.charAt(rest.length - 1) === '\r') rest = rest.slice(0, -1);
  if (!/^\s*$/.test(rest)) queue.push(rest);
  stdinEnded = true;
  pump();
});
process.stdin.resume();
