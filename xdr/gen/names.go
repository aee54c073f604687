package gen

import (
	"strings"

	"github.com/wirekit/wirekit/xdr/idl"
)

// goName turns a .x identifier into an exported Go identifier. Names in
// capitals (TEXT, NFS_OK, SQUARE_PROG) are kept as they are, the way
// rpcgen's C keeps them; others are camel-cased at underscores
// (square_in → SquareIn, filename → Filename). Capitalising also takes
// care of Go keywords: a member called type becomes Type.
func goName(x string) string {
	upper := true
	for _, c := range x {
		if c >= 'a' && c <= 'z' {
			upper = false
			break
		}
	}
	var b strings.Builder
	if upper {
		b.WriteString(x)
	} else {
		for _, part := range strings.Split(x, "_") {
			if part == "" {
				continue
			}
			b.WriteString(strings.ToUpper(part[:1]))
			b.WriteString(part[1:])
		}
	}
	s := b.String()
	if s == "" || !(s[0] >= 'A' && s[0] <= 'Z') {
		s = "X" + s
	}
	return s
}

// scope hands out Go names that are unique within it: a name already
// taken gets underscores appended until it is free.
type scope map[string]bool

func (s scope) take(name string) string {
	for s[name] {
		name += "_"
	}
	s[name] = true
	return name
}

// armName is the Go name suffix of a union arm: the arm's member name,
// or, for a void arm, its first case label (a constant's name, or CaseN
// for a number; Default for the default arm).
func armName(c *idl.Case, def bool) string {
	switch {
	case c != nil && c.Arm.Name != "":
		return goName(c.Arm.Name)
	case def:
		return "Default"
	case c.Values[0].Name != "":
		return goName(c.Values[0].Name)
	case c.Values[0].Val < 0:
		return "CaseMinus" + strings.TrimPrefix(c.Values[0].Lit, "-")
	}
	return "Case" + c.Values[0].Lit
}
