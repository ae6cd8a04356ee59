// Package registry turns a target name (ref, node20, node6, bun ...) into a
// running targets.Target. Pinned runtimes are listed in targets/runtimes.tsv
// (the one place their versions are written) and installed by
// `make targets` into a cache outside the clone.
package registry

import (
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/targets"
	"github.com/nodespec/nodespec/targets/harness"
	harnessjs "github.com/nodespec/nodespec/targets/js"
	"github.com/nodespec/nodespec/targets/ref"
)

//go:embed runtimes.tsv
var runtimesTSV string

// Runtime is one row of runtimes.tsv.
type Runtime struct {
	Name, Profile, NPMSpec, Binary string
	Args                           []string
}

// Runtimes lists the pinned runtimes, in file order.
func Runtimes() ([]Runtime, error) {
	var out []Runtime
	for i, line := range strings.Split(runtimesTSV, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			return nil, fmt.Errorf("runtimes.tsv:%d: want 5 tab-separated columns, got %d", i+1, len(f))
		}
		r := Runtime{Name: f[0], Profile: f[1], NPMSpec: f[2], Binary: f[3]}
		if f[4] != "-" {
			r.Args = strings.Fields(f[4])
		}
		out = append(out, r)
	}
	return out, nil
}

// CacheDir is where `make targets` installs runtimes.
func CacheDir() string {
	if d := os.Getenv("NODESPEC_CACHE"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "nodespec", "runtimes")
}

// Names lists every target name.
func Names() []string {
	rs, _ := RuntimeNames()
	sort.Strings(rs)
	return append([]string{"ref", "custom"}, rs...)
}

// RuntimeNames lists the pinned runtimes' names in file order: the columns
// of the matrix.
func RuntimeNames() ([]string, error) {
	rs, err := Runtimes()
	var names []string
	for _, r := range rs {
		names = append(names, r.Name)
	}
	return names, err
}

// Executable finds a runtime's binary, with a message saying how to get it.
func (r Runtime) Executable() (string, error) {
	if r.NPMSpec == "system" {
		p, err := exec.LookPath(r.Binary)
		if err != nil {
			return "", fmt.Errorf("target %s uses %q from PATH, which is not there", r.Name, r.Binary)
		}
		return p, nil
	}
	p := filepath.Join(CacheDir(), r.Name, r.Binary)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("target %s (%s) is not installed at %s; run `make targets`", r.Name, r.NPMSpec, p)
	}
	return p, nil
}

// The custom target runs any harness command that speaks PROTOCOL.md:
// NODESPEC_TARGET=custom NODESPEC_TARGET_CMD="my-runtime my-harness.js"
// [NODESPEC_TARGET_PROFILE=latest]. The command is split on spaces. A
// runtime that runs CommonJS can use nodespec's own harness instead:
// NODESPEC_TARGET_RUNTIME="/opt/bun/bin/bun" runs it with the embedded
// harness script as its last argument.
const (
	envCustomCmd     = "NODESPEC_TARGET_CMD"
	envCustomRuntime = "NODESPEC_TARGET_RUNTIME"
	envCustomProfile = "NODESPEC_TARGET_PROFILE"
)

func customProfile() (string, error) {
	p := os.Getenv(envCustomProfile)
	if p == "" {
		return "latest", nil
	}
	if !slices.Contains(fixtures.Profiles, p) {
		return "", fmt.Errorf("%s=%q: known profiles are %s", envCustomProfile, p, strings.Join(fixtures.Profiles, ", "))
	}
	return p, nil
}

// Open starts a target by name.
func Open(name string) (targets.Target, error) {
	switch name {
	case "ref":
		return ref.New(), nil
	case "custom":
		argv := strings.Fields(os.Getenv(envCustomCmd))
		if rt := strings.Fields(os.Getenv(envCustomRuntime)); len(rt) > 0 {
			if len(argv) > 0 {
				return nil, fmt.Errorf("target custom: give %s (your harness) or %s (a runtime for nodespec's harness), not both", envCustomCmd, envCustomRuntime)
			}
			script, err := harnessFile()
			if err != nil {
				return nil, err
			}
			argv = append(rt, script)
		}
		if len(argv) == 0 {
			return nil, fmt.Errorf("target custom needs %s, the command that starts your harness, or %s, a runtime that runs nodespec's harness", envCustomCmd, envCustomRuntime)
		}
		profile, err := customProfile()
		if err != nil {
			return nil, err
		}
		return harness.New(harness.Config{
			Info: targets.Info{Name: "custom", Profiles: []string{profile}},
			Argv: argv,
		})
	}
	rs, err := Runtimes()
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if r.Name != name {
			continue
		}
		exe, err := r.Executable()
		if err != nil {
			return nil, err
		}
		script, err := harnessFile()
		if err != nil {
			return nil, err
		}
		argv := append(append([]string{exe}, r.Args...), script)
		return harness.New(harness.Config{
			Info: targets.Info{Name: r.Name, Profiles: []string{r.Profile}},
			Argv: argv,
		})
	}
	return nil, fmt.Errorf("unknown target %q (known: %s)", name, strings.Join(Names(), ", "))
}

// harnessFile writes the embedded harness to a per-user temp file once, so
// that a runtime can load it; the content decides the name, so concurrent
// suites and different versions never overwrite each other's file.
func harnessFile() (string, error) {
	sum := 0
	for _, b := range harnessjs.Source {
		sum = sum*31 + int(b)
	}
	dir := filepath.Join(os.TempDir(), "nodespec-harness")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	p := filepath.Join(dir, fmt.Sprintf("harness-%x.cjs", uint32(sum)))
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	tmp, err := os.CreateTemp(dir, "harness-*.tmp")
	if err != nil {
		return "", err
	}
	if _, err := tmp.Write(harnessjs.Source); err != nil {
		tmp.Close()
		return "", err
	}
	tmp.Close()
	return p, os.Rename(tmp.Name(), p)
}

// ProfilesOf says which doc profiles a target answers to, without starting
// it: ref answers to all of them, a runtime to its row's profile.
func ProfilesOf(name string) ([]string, error) {
	switch name {
	case "ref":
		return ref.New().Info().Profiles, nil
	case "custom":
		p, err := customProfile()
		return []string{p}, err
	}
	rs, err := Runtimes()
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if r.Name == name {
			return []string{r.Profile}, nil
		}
	}
	return nil, fmt.Errorf("unknown target %q (known: %s)", name, strings.Join(Names(), ", "))
}
