package fuzz

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/nodespec/nodespec/fixtures"
)

// Generator makes the inputs of a run. Input i is a function of the seed
// and i alone (each input has its own random stream), so a run is
// reproducible case by case whatever its duration, and a finding is
// reproduced with its seed and case number.
type Generator struct {
	seed   uint64
	corpus [][]byte // wire bytes of the fixtures, in file order
}

// NewGenerator seeds a generator; corpus is what mutations start from
// (Corpus gives the fixtures' bytes). Half the inputs come from the grammar
// and half from the corpus; with an empty corpus all come from the grammar.
func NewGenerator(seed uint64, corpus [][]byte) *Generator {
	return &Generator{seed: seed, corpus: corpus}
}

// Corpus is the wire bytes of every server-side fixture that sends in one
// go (a pause would be lost when the bytes are sent whole), in file order.
func Corpus(cases []*fixtures.Case) [][]byte {
	var out [][]byte
	for _, c := range cases {
		if c.Wire == nil || c.ClientSide() || len(c.Wire.Bytes) == 0 || len(c.Wire.Parts) > 1 {
			continue
		}
		out = append(out, c.Wire.Bytes)
	}
	return out
}

// maxInput caps an input: past the head size limits (16 KiB) nothing new
// is parsed, and big inputs only slow a run down.
const maxInput = 20 << 10

// Input returns the i-th input of the run.
func (g *Generator) Input(i int) []byte {
	r := rand.New(rand.NewPCG(g.seed, uint64(i)))
	var b []byte
	if len(g.corpus) == 0 || r.IntN(2) == 0 {
		b = grammar(r)
	} else {
		b = g.mutate(r)
	}
	if len(b) > maxInput {
		b = b[:maxInput]
	}
	return b
}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

// often is true with probability p percent.
func often(r *rand.Rand, p int) bool { return r.IntN(100) < p }

// grammar writes one to three pipelined requests, each a request line,
// headers and a body framed by Content-Length or chunked coding, with the
// usual forms most of the time and the odd ones (bare LF, spaces, bad
// digits, obs-fold, control and high bytes) often enough to matter.
func grammar(r *rand.Rand) []byte {
	var b bytes.Buffer
	if often(r, 5) {
		b.WriteString(pick(r, "\r\n", "\n", "\r\n\r\n", " "))
	}
	n := 1
	switch x := r.IntN(10); {
	case x == 0:
		n = 3
	case x < 3:
		n = 2
	}
	for k := 0; k < n; k++ {
		request(r, &b, k == n-1)
	}
	out := b.Bytes()
	if often(r, 10) {
		out = insertAt(out, r.IntN(len(out)+1), []byte(oddByte(r)))
	}
	return out
}

func oddByte(r *rand.Rand) string {
	return pick(r, "\r", "\n", " ", "\t", ":", ";", ",", "\x00", "\x01", "\x7f", "\x80", "\xff", "0", "a", "-", "/", "\"", "\r\n")
}

func eol(r *rand.Rand) string {
	switch x := r.IntN(100); {
	case x < 8:
		return "\n"
	case x < 10:
		return pick(r, "\r", "\r\r\n", " \r\n", "\n\r")
	}
	return "\r\n"
}

func request(r *rand.Rand, b *bytes.Buffer, last bool) {
	method := "GET"
	switch x := r.IntN(100); {
	case x < 35:
	case x < 60:
		method = "POST"
	case x < 85:
		method = pick(r, "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH", "TRACE", "PROPFIND", "M-SEARCH", "QUERY", "PURGE", "LINK", "SEARCH")
	default:
		method = pick(r, "get", "BREW", "PRI", "CONNECT", "GE", "GETS", "FLUSH", "DESCRIBE", "G\x00T", "", "POST\t", "\xc3\x89T")
	}
	sp := " "
	if often(r, 5) {
		sp = pick(r, "  ", "\t", "")
	}
	url := "/"
	switch x := r.IntN(100); {
	case x < 50:
	case x < 85:
		url = pick(r, "/a", "/a?b=c&d=e", "*", "http://h/p?q", "//x", "/%41%zz", "/a#f", "/?", "/\xc3\xa9",
			"/a/../b", "example:80", "HTTP://H", "/"+strings.Repeat("a", 1+r.IntN(40)))
	default:
		url = pick(r, "", "/a b", "/\x7f", "/\x00", "/\x80", "/\t", "/\"", "/\x1b", "/a\rb")
	}
	version := "HTTP/1.1"
	switch x := r.IntN(100); {
	case x < 70:
	case x < 88:
		version = "HTTP/1.0"
	default:
		version = pick(r, "HTTP/0.9", "HTTP/2.0", "HTTP/1.2", "HTTP/11", "http/1.1", "HTTP/1.1 ", "HTTP/1.", "HTTP/9.9", "HTTPS/1.1", "HTTP/1.01", "")
	}
	line := method + sp + url
	if version != "" || often(r, 50) {
		line += " " + version
	}
	b.WriteString(line + eol(r))

	var headers []string
	if often(r, 85) {
		headers = append(headers, pick(r, "Host: a", "Host: a", "host: example:80", "Host:", "Host: a b", "HOST: a"))
	}
	for k := r.IntN(4); k > 0; k-- {
		headers = append(headers, extraHeader(r))
	}
	body, framing := frame(r, method)
	headers = append(headers, framing...)
	if last && often(r, 35) {
		headers = append(headers, pick(r, "Connection: close", "Connection: close", "connection: CLOSE", "Connection: keep-alive", "Connection: upgrade", "Connection: close, x"))
	}
	r.Shuffle(len(headers), func(i, j int) { headers[i], headers[j] = headers[j], headers[i] })
	for _, h := range headers {
		b.WriteString(h + eol(r))
	}
	b.WriteString(eol(r))
	b.WriteString(body)
}

func extraHeader(r *rand.Rand) string {
	if often(r, 70) {
		return pick(r, "X-A: 1", "x-a: 2", "Cookie: a=1", "cookie: b=2", "Set-Cookie: s=1", "Content-Type: text/plain",
			"content-type: a/b", "Age: 1", "age: 2", "Expect: 100-continue", "Accept: */*", "Authorization: x",
			"Referer: /r", "User-Agent: fz", "Max-Forwards: 1", "From: f", "Server: s", "ETag: \"e\"",
			"If-Modified-Since: x", "Upgrade: websocket", "Proxy-Authorization: p", "Location: /l", "Retry-After: 1",
			"Keep-Alive: timeout=5", "Trailer: X-T", "TE: trailers", "Via: 1.1 v", "Content-Encoding: gzip")
	}
	return pick(r, "X-A :1", " X-A: 1", "X-A:1", "X-A:  1  ", "X-A: \x00", "X-A: \x7f", "X-A: \x80\xff", "X-A\x00: 1",
		": empty", "NoColon", "X-A: a\r\n b", "X-A: a\r\n\tb", "X-\xc3\x84: 1", "X_A: 1", "X-A: \t1", "X-A:", "X-A: a\rb",
		"X-A: a\nb", "X-A; b: 1", "X-A\t: 1", "{}: 1", "X-A: "+strings.Repeat("v", 1+r.IntN(200)))
}

// frame picks the message's framing headers and a body that fits them
// (most of the time) or not.
func frame(r *rand.Rand, method string) (body string, headers []string) {
	data := pick(r, "", "hello", "a", "0123456789", "x\r\ny", strings.Repeat("b", r.IntN(64)))
	switch x := r.IntN(100); {
	case x < 40 && method != "POST":
		if often(r, 10) {
			body = data // a body without framing: the next request's bytes
		}
		return body, nil
	case x < 65:
		return data, contentLength(r, len(data))
	case x < 92:
		return chunked(r), transferEncoding(r)
	default:
		return chunked(r), append(contentLength(r, len(data)), transferEncoding(r)...)
	}
}

func contentLength(r *rand.Rand, n int) []string {
	v := fmt.Sprint(n)
	if often(r, 25) {
		v = pick(r, fmt.Sprint(n+1), fmt.Sprint(max(n-1, 0)), " "+v, v+" ", "+"+v, "0"+v, fmt.Sprintf("0x%x", n),
			v+", "+v, v+","+fmt.Sprint(n+1), "-1", "", "abc", "99999999999999999999", v+"\x00", "1e1")
	}
	h := []string{pick(r, "Content-Length: ", "content-length: ", "Content-Length:", "Content-Length : ") + v}
	if often(r, 8) {
		h = append(h, "Content-Length: "+pick(r, fmt.Sprint(n), fmt.Sprint(n+1)))
	}
	return h
}

func transferEncoding(r *rand.Rand) []string {
	v := "chunked"
	if often(r, 25) {
		v = pick(r, "Chunked", "CHUNKED", "gzip, chunked", "chunked, gzip", "identity", "chunked, chunked", "chunked ",
			"xchunked", "", "chunked;q=1", "gzip", " chunked", "identity, chunked", "chunked,")
	}
	h := []string{pick(r, "Transfer-Encoding: ", "transfer-encoding: ", "Transfer-Encoding:") + v}
	if often(r, 8) {
		h = append(h, "Transfer-Encoding: "+pick(r, "chunked", "gzip"))
	}
	return h
}

// chunked writes zero to three chunks, the last chunk and trailers, each
// line sometimes odd (size forms, extensions, missing or bare line ends).
func chunked(r *rand.Rand) string {
	var b strings.Builder
	for k := r.IntN(4); k > 0; k-- {
		data := pick(r, "a", "hello", "0123456789abcdef", strings.Repeat("c", 1+r.IntN(40)))
		size := fmt.Sprintf("%x", len(data))
		if often(r, 20) {
			size = pick(r, strings.ToUpper(size), "0"+size, size+";e=1", size+" ;e", size+"\t", " "+size, size+" ",
				"g", "-1", "ffffffffffffffffff", size+";", size+";e=\"q\"", fmt.Sprintf("%x", len(data)+1), "0x"+size)
		}
		b.WriteString(size + chunkEOL(r) + data + chunkEOL(r))
	}
	if often(r, 10) {
		return b.String() // cut before the last chunk
	}
	b.WriteString(pick(r, "0", "0", "0", "00", "0;e=1", "0 ") + chunkEOL(r))
	for k := r.IntN(3); k > 0 && often(r, 40); k-- {
		b.WriteString(pick(r, "X-T: 1", "x-t: 2", "Content-Length: 1", "Set-Cookie: t", "X-T:", "Bad T: 1", " fold") + chunkEOL(r))
	}
	if often(r, 95) {
		b.WriteString(chunkEOL(r))
	}
	return b.String()
}

func chunkEOL(r *rand.Rand) string {
	if often(r, 90) {
		return "\r\n"
	}
	return pick(r, "\n", "", "\r", "x\r\n", " \r\n")
}

// mutate applies one to three byte- or line-level edits to a fixture's
// bytes.
func (g *Generator) mutate(r *rand.Rand) []byte {
	b := append([]byte(nil), g.corpus[r.IntN(len(g.corpus))]...)
	for k := 1 + r.IntN(3); k > 0; k-- {
		b = g.edit(r, b)
	}
	return b
}

func (g *Generator) edit(r *rand.Rand, b []byte) []byte {
	if len(b) == 0 {
		return []byte(oddByte(r))
	}
	pos := r.IntN(len(b))
	switch r.IntN(11) {
	case 0: // overwrite a byte
		odd := oddByte(r)
		b[pos] = odd[0]
		return b
	case 1: // insert bytes
		return insertAt(b, pos, []byte(oddByte(r)))
	case 2: // delete a short span
		end := min(len(b), pos+1+r.IntN(8))
		return append(b[:pos:pos], b[end:]...)
	case 3: // truncate
		return b[:pos]
	case 4: // change a digit
		for k := 0; k < len(b); k++ {
			if i := (pos + k) % len(b); b[i] >= '0' && b[i] <= '9' {
				b[i] = byte('0' + r.IntN(10))
				break
			}
		}
		return b
	case 5: // toggle case
		if c := b[pos]; c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			b[pos] = c ^ 0x20
		}
		return b
	case 6: // append another fixture: pipelining
		return append(b, g.corpus[r.IntN(len(g.corpus))]...)
	case 7: // one CRLF becomes LF (or CR)
		if i := bytes.Index(b[pos:], []byte("\r\n")); i >= 0 {
			j := pos + i
			if often(r, 70) {
				return append(b[:j:j], b[j+1:]...)
			}
			return append(b[:j+1:j+1], b[j+2:]...)
		}
		return b
	}
	// line edits: duplicate, delete or swap a line
	lines := splitLines(b)
	i := r.IntN(len(lines))
	switch r.IntN(3) {
	case 0:
		lines = append(lines[:i+1], append([][]byte{lines[i]}, lines[i+1:]...)...)
	case 1:
		lines = append(lines[:i], lines[i+1:]...)
	default:
		if i+1 < len(lines) {
			lines[i], lines[i+1] = lines[i+1], lines[i]
		}
	}
	return bytes.Join(lines, nil)
}

// splitLines cuts after every LF, keeping the line ends.
func splitLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out = append(out, b)
			break
		}
		out = append(out, b[:i+1])
		b = b[i+1:]
	}
	return out
}

func insertAt(b []byte, i int, x []byte) []byte {
	out := make([]byte, 0, len(b)+len(x))
	out = append(out, b[:i]...)
	out = append(out, x...)
	return append(out, b[i:]...)
}
