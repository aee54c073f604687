package idl

import (
	"regexp"
	"strings"
)

var defineRe = regexp.MustCompile(`^\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)\s+(.*)$`)

// defineLine turns a pass-through "#define NAME value" line into a
// constant when value is an integer expression (literals, names, ( ), and
// C's unary - ~ and binary * / % + - << >> & ^ | operators); anything
// else (a type macro, a string) is C's business and gives nil.
func defineLine(text string, pos Pos) *Def {
	m := defineRe.FindStringSubmatch(text)
	if m == nil {
		return nil
	}
	body := m[2]
	if i := strings.Index(body, "/*"); i >= 0 {
		body = body[:i]
	}
	if i := strings.Index(body, "//"); i >= 0 {
		body = body[:i]
	}
	e := &exprParser{src: body, pos: pos}
	v := e.binary(0)
	e.space()
	if v == nil || e.off != len(e.src) {
		return nil
	}
	return &Def{Pos: pos, Kind: ConstDef, Name: m[1], Value: v, Define: true}
}

// maxDefineTerms bounds the literals and names of a %#define expression:
// a longer one is not a size or a count, and a chain of thousands of
// operators would make Check recurse as deep.
const maxDefineTerms = 256

// exprParser is a small precedence-climbing parser over one line.
type exprParser struct {
	src   string
	off   int
	pos   Pos
	depth int
	terms int
}

var binaryOps = []struct {
	op   string
	prec int
}{
	{"<<", 5}, {">>", 5}, {"|", 1}, {"^", 2}, {"&", 3}, {"+", 6}, {"-", 6}, {"*", 7}, {"/", 7}, {"%", 7},
}

func (e *exprParser) space() {
	for e.off < len(e.src) && (e.src[e.off] == ' ' || e.src[e.off] == '\t' || e.src[e.off] == '\r') {
		e.off++
	}
}

func (e *exprParser) binary(minPrec int) *Value {
	x := e.unary()
	for x != nil {
		e.space()
		found := false
		for _, b := range binaryOps {
			if b.prec > minPrec && strings.HasPrefix(e.src[e.off:], b.op) {
				e.off += len(b.op)
				y := e.binary(b.prec)
				if y == nil {
					return nil
				}
				x = &Value{Pos: e.pos, Op: b.op, X: x, Y: y}
				found = true
				break
			}
		}
		if !found {
			return x
		}
	}
	return nil
}

func (e *exprParser) unary() *Value {
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > maxNesting {
		return nil
	}
	e.space()
	if e.off == len(e.src) {
		return nil
	}
	c := e.src[e.off]
	switch {
	case c == '-' || c == '~' || c == '+':
		e.off++
		x := e.unary()
		if x == nil {
			return nil
		}
		return &Value{Pos: e.pos, Op: string(c), X: x}
	case c == '(':
		e.off++
		x := e.binary(0)
		e.space()
		if x == nil || e.off == len(e.src) || e.src[e.off] != ')' {
			return nil
		}
		e.off++
		return x
	case isDigit(c) || isLetter(c):
		n := e.off
		for n < len(e.src) && (isDigit(e.src[n]) || isLetter(e.src[n])) {
			n++
		}
		word := e.src[e.off:n]
		e.off = n
		if e.terms++; e.terms > maxDefineTerms {
			return nil
		}
		if isDigit(c) {
			return &Value{Pos: e.pos, Lit: strings.TrimRight(word, "uUlL")}
		}
		if keywords[word] {
			return nil
		}
		return &Value{Pos: e.pos, Name: word}
	}
	return nil
}
