// Package js holds the JavaScript-visible values of the reference
// implementation: undefined, errors with name/code/message, Buffers, objects
// whose members a program can read and call, and the EventEmitter.
package js

import (
	"fmt"
	"strconv"
)

// Undefined is JavaScript's undefined (nil stands for null).
type Undefined struct{}

// Buffer is a Node Buffer.
type Buffer []byte

// Func marks a function-valued member (summarised as {$function: true}).
type Func struct{ Name string }

// Callback is a function a program passes as an argument ({$function: true}):
// impl calls it as JavaScript would call a callback.
type Callback func(args ...any)

// Error is a thrown or emitted JavaScript error.
type Error struct {
	Name    string // TypeError, RangeError, Error
	Code    string // ERR_...; "" when the error has none
	Message string
	// Props are the error's other own members a program may read, such as
	// bytesParsed and rawPacket on a parse error (http/Server/event.clientError).
	Props map[string]any
}

// Get implements Object: a program reads an error's members like any
// other object's (error.code, error.bytesParsed).
func (e *Error) Get(name string) (any, bool) {
	switch name {
	case "name":
		return e.Name, true
	case "message":
		return e.Message, true
	case "code":
		if e.Code == "" {
			return nil, false
		}
		return e.Code, true
	}
	v, ok := e.Props[name]
	return v, ok
}

// Call implements Object: errors have no methods a program calls.
func (e *Error) Call(string, []any) (any, error) { return nil, ErrMissing }

func (e *Error) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%s [%s]: %s", e.Name, e.Code, e.Message)
	}
	return e.Name + ": " + e.Message
}

// TypeError builds a TypeError with a code.
func TypeError(code, format string, args ...any) *Error {
	return &Error{Name: "TypeError", Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrMissing is returned by Object.Call for a method the object lacks.
var ErrMissing = &Error{Name: "nodespec", Message: "no such member"}

// Object is anything a program can read members of and call methods on.
type Object interface {
	// Get reads a member; ok is false when the object has no such member
	// (JavaScript's `!(name in obj)`).
	Get(name string) (v any, ok bool)
	// Call invokes a method; a thrown error is returned as *Error, and
	// ErrMissing when there is no such method.
	Call(name string, args []any) (any, error)
}

// Setter is an Object with members a program may assign (server.timeout).
// Set reports false for a member the implementation does not model, so a
// case is never passed by an assignment silently ignored.
type Setter interface {
	Set(name string, v any) bool
}

// Arg returns args[i] or Undefined.
func Arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return Undefined{}
}

// Bytes is the data argument of write/end: a string's bytes or a Buffer;
// nil for anything else (no data).
func Bytes(v any) []byte {
	switch x := v.(type) {
	case string:
		return []byte(x)
	case Buffer:
		return x
	}
	return nil
}

// String is JavaScript's String(v) for the values programs pass.
func String(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return "null"
	case Undefined:
		return "undefined"
	}
	return fmt.Sprint(v)
}

// Constructor is a class value a program instantiates with a `new` step
// (new net.BlockList()); the constructed object is returned, a thrown
// error as *Error.
type Constructor interface {
	Construct(args []any) (any, error)
}
