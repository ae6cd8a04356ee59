// Package harnessjs carries the JavaScript harness (harness.cjs): one
// dependency-free file that runs a case's program on Node 6 and later, Bun
// and Deno, speaking targets/PROTOCOL.md on stdin/stdout.
package harnessjs

import _ "embed"

// Source is harness.cjs, embedded so a built suite needs no checkout.
//
//go:embed harness.cjs
var Source []byte
