package specs

// The net module's pure functions and value classes: isIP and its
// siblings, BlockList, SocketAddress and the family-autoselection
// defaults (their cases hold for latest only: the v6 and v14 docs have no
// net sections, so node6 and node14 report them n/a).
var _ = group("net/")
