package marshal

import "github.com/davecgh/go-spew/spew"

// dumpConfig is go-spew set up for people and golden files: indented,
// map keys sorted (keys without a natural order by their dumped text), no
// pointer addresses and no capacities, so the same value dumps the same
// way in every run.
var dumpConfig = spew.ConfigState{
	Indent:                  "  ",
	SortKeys:                true,
	SpewKeys:                true,
	DisablePointerAddresses: true,
	DisableCapacities:       true,
}

// Dump returns a readable, deterministic rendering of v with its Go types,
// following pointers (a pointer met again prints as <already shown>, so
// cycles end). Types with a String or Error method print through it, so a
// time.Time prints as its text; one that carries a monotonic clock
// reading (from time.Now) prints that too: strip it with t.Round(0)
// before dumping to a golden file.
func Dump(v any) string { return dumpConfig.Sdump(v) }
