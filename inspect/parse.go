package inspect

import (
	"fmt"
	"io"
)

// parser holds the input of ParseCBOR or ParseMsgpack and the position
// in it.
type parser struct {
	data []byte
	base int64
	pos  int
}

// frame is an array, map or tag whose children are being read.
type frame struct {
	it   *Item
	left uint64 // children still to read, for a definite length
}

// next reads the item at p.pos: its head and, for strings and
// extensions, its payload. Arrays, maps and tags come back with their
// children still to read; count is how many (-1: up to a break).
type nextFunc func(p *parser) (it *Item, count int64, err error)

// parse reads exactly one item. It walks the input with an explicit
// stack of open containers, so nesting costs a frame on the heap per
// level, never a Go stack frame, and stops at maxDepth levels.
func (p *parser) parse(maxDepth int, next nextFunc) (*Item, error) {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	var root *Item
	var stack []frame
	items := 0
	for {
		if n := len(stack); n > 0 {
			top := &stack[n-1]
			if top.it.Indefinite {
				if p.pos < len(p.data) && p.data[p.pos] == 0xff {
					if top.it.Kind == Map && len(top.it.Children)%2 == 1 {
						return nil, p.errorf(p.pos, ErrMalformed, "break after a map key with no value")
					}
					p.pos++
					p.finish(top.it)
					stack = stack[:n-1]
					continue
				}
			} else if top.left == 0 {
				p.finish(top.it)
				stack = stack[:n-1]
				continue
			}
			if p.pos >= len(p.data) {
				return nil, p.truncated(top.it.Offset-p.base, "%s ends after %d items", describeOpen(top.it), len(top.it.Children))
			}
			if !top.it.Indefinite {
				top.left--
			}
		} else if root != nil {
			break
		}

		if p.pos >= len(p.data) {
			return nil, p.truncated(0, "no item: empty input")
		}
		if items++; items > MaxItems {
			return nil, p.errorf(p.pos, ErrTooManyItems, "value of more than %d items", MaxItems)
		}
		it, count, err := next(p)
		if err != nil {
			return nil, err
		}
		if n := len(stack); n > 0 {
			parent := stack[n-1].it
			parent.Children = append(parent.Children, it)
		} else {
			root = it
		}
		if it.Kind != Array && it.Kind != Map && it.Kind != Tag {
			p.finish(it)
			continue
		}
		if len(stack) >= maxDepth {
			return nil, p.errorf(int(it.Offset-p.base), ErrDepth, "%s nested deeper than %d levels", describeOpen(it), maxDepth)
		}
		f := frame{it: it}
		if count >= 0 {
			f.left = uint64(count)
			if it.Kind == Map {
				f.left *= 2
			}
		}
		stack = append(stack, f)
	}
	if p.pos < len(p.data) {
		return nil, p.errorf(p.pos, ErrTrailingData, "%d bytes after the item", len(p.data)-p.pos)
	}
	return root, nil
}

// finish sets the length and raw bytes of an item that ends at p.pos.
func (p *parser) finish(it *Item) {
	start := int(it.Offset - p.base)
	it.Len = int64(p.pos - start)
	it.Raw = p.data[start:p.pos:p.pos]
}

func describeOpen(it *Item) string {
	switch {
	case it.Kind == Tag:
		return fmt.Sprintf("tag %d", it.Tag)
	case it.Indefinite:
		return fmt.Sprintf("indefinite-length %s", it.Kind)
	}
	return it.Kind.String()
}

// errorf is an *Error about the item at position pos of the input.
func (p *parser) errorf(pos int, sentinel error, format string, args ...any) *Error {
	return &Error{Offset: p.base + int64(pos), Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

// truncated is the error for input that ends inside the item at
// position pos.
func (p *parser) truncated(pos int64, format string, args ...any) *Error {
	return p.errorf(int(pos), io.ErrUnexpectedEOF, format, args...)
}

// need checks that n more bytes follow p.pos, for the item that starts
// at start; a declared length is checked here before anything is
// allocated for it.
func (p *parser) need(start int, n uint64, what string) error {
	if left := uint64(len(p.data) - p.pos); n > left {
		return p.truncated(int64(start), "%s needs %d bytes, %d left", what, n, left)
	}
	return nil
}

// uintN reads an n-byte big-endian unsigned integer.
func (p *parser) uintN(start, n int, what string) (uint64, error) {
	if err := p.need(start, uint64(n), what); err != nil {
		return 0, err
	}
	var v uint64
	for _, b := range p.data[p.pos : p.pos+n] {
		v = v<<8 | uint64(b)
	}
	p.pos += n
	return v, nil
}

// take returns the next n bytes, which the caller has checked with need.
func (p *parser) take(n uint64) []byte {
	b := p.data[p.pos : p.pos+int(n) : p.pos+int(n)]
	p.pos += int(n)
	return b
}
