//go:build unix

package ports

import "syscall"

// reuseAddr sets SO_REUSEADDR, so a bind to a port whose earlier
// connections are in TIME_WAIT succeeds.
func reuseAddr(fd uintptr) error {
	return syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
}
