//go:build !unix

package rawwire

import (
	"errors"
	"os"
	"time"
)

// AcceptPending accepts a connection already in the backlog: off unix, by
// an Accept with a short deadline.
func (p *Peer) AcceptPending() (*Client, error) {
	c, err := p.Accept(time.Now().Add(5 * time.Millisecond))
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, nil
	}
	return c, err
}
