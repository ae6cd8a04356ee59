package matrix

import (
	"errors"
	"io/fs"
	"path/filepath"

	"github.com/nodespec/nodespec/fixtures"
	"github.com/nodespec/nodespec/fixtures/sections"
	"github.com/nodespec/nodespec/reports"
)

// Inputs are the committed things a matrix is made of.
type Inputs struct {
	Cases []*fixtures.Case
	Index *sections.Index
	Runs  []*reports.Run
}

// LoadInputs reads the embedded fixtures and section index, and the record
// of each target under recordDir (<target>.jsonl), in the order given (the
// column order). A target with no record yet is left out, so a fresh
// project can render before its first `make matrix`.
func LoadInputs(recordDir string, targets []string) (*Inputs, error) {
	cases, err := fixtures.All()
	if err != nil {
		return nil, err
	}
	ix, err := sections.Load()
	if err != nil {
		return nil, err
	}
	runs, err := LoadRecords(recordDir, targets)
	if err != nil {
		return nil, err
	}
	return &Inputs{Cases: cases, Index: ix, Runs: runs}, nil
}

// Load builds the matrix of the committed inputs (LoadInputs).
func Load(recordDir string, targets []string) (*Matrix, error) {
	in, err := LoadInputs(recordDir, targets)
	if err != nil {
		return nil, err
	}
	return Build(in.Cases, in.Runs, IndexLookup(in.Index))
}

// LoadRecords reads the record of each target under dir, in the order
// given; a target with no record is left out.
func LoadRecords(dir string, targets []string) ([]*reports.Run, error) {
	var runs []*reports.Run
	for _, name := range targets {
		run, err := reports.ReadRecordFile(filepath.Join(dir, name+".jsonl"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		runs = append(runs, run)
	}
	return runs, nil
}

// IndexLookup resolves section ids through the section index, titled as
// the newest doc that has the section writes it.
func IndexLookup(ix *sections.Index) func(string) (SectionInfo, bool) {
	order := map[string]int{}
	for i, s := range ix.All() {
		order[s.ID] = i
	}
	return func(id string) (SectionInfo, bool) {
		s, ok := ix.Lookup(id)
		if !ok {
			return SectionInfo{}, false
		}
		info := SectionInfo{ID: s.ID, Module: s.Module, Class: s.Class, Order: order[id]}
		for _, p := range sections.Profiles {
			if t, ok := s.Titles[p]; ok {
				info.Title = t
			}
		}
		return info, true
	}
}
