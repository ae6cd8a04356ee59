package specs

// The net module: isIP and its siblings, BlockList, SocketAddress, the
// family-autoselection defaults, and the Socket and Server cases (a net
// server the raw peer connects to, or sockets the program connects to the
// scripted peer). Their cases hold for latest only: the v6 and v14 docs
// have no net sections, so node6 and node14 report them n/a. A case whose
// first section is the module heading `net` must name another first.
var _ = group("net/")
