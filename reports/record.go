package reports

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// A record is a run written down to be committed: `make matrix` keeps one
// per target under reports/recorded/<target>.jsonl. It is JSON lines so a
// diff shows one line per case that changed: the first line describes the
// target and the run, then one line per case and profile, sorted.

// recordHeader is the first line: the target and how the run was made,
// flat in one object (a record written before provenance was kept reads
// with an empty Provenance).
type recordHeader struct {
	Target
	Provenance
}

type recordLine struct {
	Case        string `json:"case"`
	Profile     string `json:"profile"`
	Status      string `json:"status"`
	Reason      string `json:"reason,omitempty"`
	Message     string `json:"message,omitempty"`
	Provisional bool   `json:"provisional,omitempty"`
}

// WriteRecord writes run as a record. Only a whole run is recorded (Whole):
// a record stands for the whole suite on its target.
func WriteRecord(w io.Writer, run *Run) error {
	if err := run.Whole(); err != nil {
		return fmt.Errorf("not recorded: %w", err)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	// No wall time: a record changes only when a result, the suite's
	// version or the run's settings do.
	if err := enc.Encode(recordHeader{run.Target, run.Provenance}); err != nil {
		return err
	}
	for _, r := range run.Results {
		if err := enc.Encode(recordLine{r.Case, r.Profile, r.Status, r.Reason, r.Message, r.Provisional}); err != nil {
			return err
		}
	}
	return nil
}

// ReadRecord reads a record written by WriteRecord.
func ReadRecord(r io.Reader) (*Run, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	run := &Run{}
	for n := 1; sc.Scan(); n++ {
		if n == 1 {
			var h recordHeader
			if err := json.Unmarshal(sc.Bytes(), &h); err != nil {
				return nil, fmt.Errorf("line 1: %w", err)
			}
			run.Target, run.Provenance = h.Target, h.Provenance
			continue
		}
		var l recordLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		run.Results = append(run.Results, Result{Case: l.Case, Profile: l.Profile, Target: run.Target.Name,
			Status: l.Status, Reason: l.Reason, Message: l.Message, Provisional: l.Provisional})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if run.Target.Name == "" {
		return nil, fmt.Errorf("no target line")
	}
	run.sort()
	return run, nil
}

// ReadRecordFile reads the record at path, naming the file in errors.
func ReadRecordFile(path string) (*Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	run, err := ReadRecord(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return run, nil
}

// MergeRecords copies the records of matrix shards (each a directory of
// <target>.jsonl, e.g. one CI job's artifact) into the recorded matrix
// dst, byte for byte, and says what it copied. Each record must read and
// be named after its target; a target may come from one shard only; and
// every shard must have been made by the same nodespec version with the
// same seed, or the merged matrix would mix suites.
func MergeRecords(dst string, shards []string) ([]string, error) {
	if len(shards) == 0 {
		return nil, fmt.Errorf("merge: give the shard directories")
	}
	from := map[string]string{} // target -> file
	var first *Run
	var firstFile string
	for _, dir := range shards {
		files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
		if err != nil || len(files) == 0 {
			return nil, fmt.Errorf("merge: %s holds no <target>.jsonl record", dir)
		}
		for _, f := range files {
			run, err := ReadRecordFile(f)
			if err != nil {
				return nil, err
			}
			if strings.TrimSuffix(filepath.Base(f), ".jsonl") != run.Target.Name {
				return nil, fmt.Errorf("merge: %s is the record of %s; a record is named <target>.jsonl", f, run.Target.Name)
			}
			if prev, ok := from[run.Target.Name]; ok {
				return nil, fmt.Errorf("merge: %s comes from two shards (%s and %s)", run.Target.Name, prev, f)
			}
			from[run.Target.Name] = f
			p := run.Provenance
			if first == nil {
				first, firstFile = run, f
			} else if q := first.Provenance; p.Nodespec != q.Nodespec || p.Seed != q.Seed {
				return nil, fmt.Errorf("merge: %s was made by %s; %s by %s: the shards of one matrix run the same suite with the same seed",
					f, p.Describe(), firstFile, q.Describe())
			}
		}
	}
	var merged []string
	for _, name := range slices.Sorted(maps.Keys(from)) {
		data, err := os.ReadFile(from[name])
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dst, name+".jsonl"), data, 0o644); err != nil {
			return nil, err
		}
		merged = append(merged, name+" from "+from[name])
	}
	return merged, nil
}
