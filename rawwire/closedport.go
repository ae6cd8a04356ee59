package rawwire

import "github.com/nodespec/nodespec/rawwire/memnet"

// ReserveClosedPortOn is ReserveClosedPort on the network n (nil: the
// kernel's), as DialOn and ListenOn are Dial and Listen.
func ReserveClosedPortOn(n *memnet.Network) (*ClosedPort, error) {
	if n == nil {
		return ReserveClosedPort()
	}
	port, release, err := n.ReserveClosedPort()
	if err != nil {
		return nil, err
	}
	return &ClosedPort{Port: port, release: release}, nil
}
