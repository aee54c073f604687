package idl

import (
	"fmt"
	"strings"
)

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tNumber
	tPunct  // one of { } ( ) [ ] < > ; , = : * -
	tString // "..." (only as a const's value)
)

type token struct {
	kind tokKind
	text string
	pos  Pos
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tIdent:
		return fmt.Sprintf("identifier %q", t.text)
	case tNumber:
		return fmt.Sprintf("number %s", t.text)
	case tString:
		return "string " + t.text
	}
	return fmt.Sprintf("%q", t.text)
}

// lexer splits a .x file into tokens. Comments (/* */ and //) and
// preprocessor lines (#...) are skipped; %-lines are collected as
// pass-through text.
type lexer struct {
	file        string
	src         string
	off         int
	line, col   int
	atLineStart bool    // only blanks since the last newline
	passthrough []token // the %-lines, without the %
}

func newLexer(file string, src []byte) *lexer {
	return &lexer{file: file, src: string(src), line: 1, col: 1, atLineStart: true}
}

func (l *lexer) pos() Pos { return Pos{File: l.file, Line: l.line, Col: l.col} }

func (l *lexer) advance(n int) {
	for i := 0; i < n; i++ {
		if l.src[l.off] == '\n' {
			l.line++
			l.col = 1
			l.atLineStart = true
		} else {
			l.col++
			if !isBlank(l.src[l.off]) {
				l.atLineStart = false
			}
		}
		l.off++
	}
}

// restOfLine is the length of the text from the offset to the end of the
// line (without the newline).
func (l *lexer) restOfLine() int {
	n := strings.IndexByte(l.src[l.off:], '\n')
	if n < 0 {
		return len(l.src) - l.off
	}
	return n
}

func (l *lexer) next() (token, error) {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == '\n' || isBlank(c):
			l.advance(1)
		case c == '%' && l.atLineStart:
			n := l.restOfLine()
			l.passthrough = append(l.passthrough, token{tString, l.src[l.off+1 : l.off+n], l.pos()})
			l.advance(n)
		case c == '#' && l.atLineStart:
			l.advance(l.restOfLine())
		case strings.HasPrefix(l.src[l.off:], "//"):
			l.advance(l.restOfLine())
		case strings.HasPrefix(l.src[l.off:], "/*"):
			start := l.pos()
			end := strings.Index(l.src[l.off+2:], "*/")
			if end < 0 {
				return token{}, &Error{start, "comment not terminated"}
			}
			l.advance(end + 4)
		default:
			return l.token()
		}
	}
	return token{kind: tEOF, pos: l.pos()}, nil
}

func (l *lexer) token() (token, error) {
	pos := l.pos()
	c := l.src[l.off]
	switch {
	case isLetter(c):
		n := 1
		for l.off+n < len(l.src) && (isLetter(l.src[l.off+n]) || isDigit(l.src[l.off+n])) {
			n++
		}
		t := token{tIdent, l.src[l.off : l.off+n], pos}
		l.advance(n)
		return t, nil
	case isDigit(c):
		n := 1
		for l.off+n < len(l.src) && (isLetter(l.src[l.off+n]) || isDigit(l.src[l.off+n])) {
			n++
		}
		t := token{tNumber, l.src[l.off : l.off+n], pos}
		l.advance(n)
		return t, nil
	case c == '"':
		n := 1
		for l.off+n < len(l.src) && l.src[l.off+n] != '"' && l.src[l.off+n] != '\n' {
			if l.src[l.off+n] == '\\' && l.off+n+1 < len(l.src) && l.src[l.off+n+1] != '\n' {
				n++
			}
			n++
		}
		if l.off+n == len(l.src) || l.src[l.off+n] != '"' {
			return token{}, &Error{pos, "string not terminated"}
		}
		t := token{tString, l.src[l.off : l.off+n+1], pos}
		l.advance(n + 1)
		return t, nil
	case strings.IndexByte("{}()[]<>;,=:*-", c) >= 0:
		t := token{tPunct, l.src[l.off : l.off+1], pos}
		l.advance(1)
		return t, nil
	}
	if c < 0x20 || c >= 0x7f {
		return token{}, &Error{pos, fmt.Sprintf("unexpected byte 0x%02x", c)}
	}
	return token{}, &Error{pos, fmt.Sprintf("unexpected character %q", c)}
}

// isBlank reports whether c is white space other than a newline.
func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' }

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
