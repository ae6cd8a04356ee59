//go:build !unix

package ports

// reuseAddr does nothing off unix: Dial falls back to the system's choice
// of port when a named one is taken.
func reuseAddr(uintptr) error { return nil }
