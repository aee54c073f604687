package marshal

import (
	"bytes"
	"fmt"
)

// JSON byte classes for jsonScanner: everything else is part of a scalar
// or of no interest.
const (
	jsOther = iota
	jsSpace
	jsQuote
	jsOpen
	jsClose
	jsComma
	jsColon
)

var jsClass = func() (t [256]uint8) {
	for _, c := range " \t\r\n" {
		t[c] = jsSpace
	}
	t['"'] = jsQuote
	t['['], t['{'] = jsOpen, jsOpen
	t[']'], t['}'] = jsClose, jsClose
	t[','] = jsComma
	t[':'] = jsColon
	return
}()

// jsonScanner follows a stream of JSON values chunk by chunk, as the bytes
// go past, and checks each value against the limits: arrays and objects
// nest at most MaxDepth deep and hold at most MaxElements elements
// (members for an object), and a value spans at most MaxBytes. It does not
// check the grammar (encoding/json does, on the same bytes); it only has
// to agree with encoding/json on where strings, containers and values
// end. Its whole state is in the struct, so a value that arrives a byte at
// a time costs no more than one that arrives at once.
type jsonScanner struct {
	lim    Limits
	off    int64 // stream offset of the next byte fed
	start  int64 // stream offset of the current value's first byte
	state  uint8
	commas []int // commas seen in each open container, innermost last
	inner  [16]int
}

const (
	jsBetween  = iota // between values
	jsInside          // in a container, between tokens
	jsInString        // in a string
	jsEscape          // in a string, after a backslash
	jsInScalar        // in a top-level number or literal
)

// feed scans the next bytes of the stream. It returns how many of them
// may be passed on: all of them, or, with an error, those before the
// offending byte.
func (s *jsonScanner) feed(b []byte) (int, error) {
	i := 0
	for i < len(b) {
		switch s.state {
		case jsBetween:
			for i < len(b) && jsClass[b[i]] == jsSpace {
				i++
			}
			if i == len(b) {
				break
			}
			s.start = s.off + int64(i)
			switch jsClass[b[i]] {
			case jsOpen:
				s.state = jsInside
			case jsQuote:
				s.state = jsInString
				i++
			case jsOther:
				s.state = jsInScalar
			default:
				// A stray delimiter: encoding/json reports it.
				i++
			}
		case jsInScalar:
			for i < len(b) && jsClass[b[i]] == jsOther {
				i++
			}
			if i < len(b) {
				s.state = jsBetween
				if err := s.ended(i); err != nil {
					return s.failAt(i, err)
				}
			}
		case jsInString, jsEscape:
			if s.state == jsEscape {
				i++ // the escaped byte
				s.state = jsInString
				if i >= len(b) {
					break
				}
			}
			// The next quote or backslash: a byte loop for short strings,
			// then the vectorised search.
			k, end := i, min(len(b), i+16)
			for k < end && b[k] != '"' && b[k] != '\\' {
				k++
			}
			if k == end && end < len(b) {
				seg := b[k:]
				q := bytes.IndexByte(seg, '"')
				if q >= 0 {
					seg = seg[:q]
				}
				if e := bytes.IndexByte(seg, '\\'); e >= 0 {
					k += e
				} else if q >= 0 {
					k += q
				} else {
					k = len(b)
				}
			}
			if k == len(b) {
				i = k
				break
			}
			if b[k] == '\\' {
				i = k + 1
				s.state = jsEscape
				continue
			}
			q := k - i
			i += q + 1
			if len(s.commas) == 0 {
				s.state = jsBetween
				if err := s.ended(i); err != nil {
					return s.failAt(i, err)
				}
			} else {
				s.state = jsInside
			}
		case jsInside:
			// The innermost container's comma count lives in cur while
			// the loop runs, and goes back on the stack when it ends.
			cs, cur := s.commas, 0
			if len(cs) > 0 {
				cur = cs[len(cs)-1]
			}
		inside:
			for i < len(b) {
				// Most bytes are number digits, literals, spaces and
				// colons: skip them in a tight loop.
				for i < len(b) && jsClass[b[i]] <= jsSpace {
					i++
				}
				if i == len(b) {
					break
				}
				c := jsClass[b[i]]
				i++
				switch c {
				case jsColon:
				case jsQuote:
					// A short string without escapes is skipped here;
					// others go through jsInString.
					k, end := i, min(len(b), i+32)
					for k < end && b[k] != '"' && b[k] != '\\' {
						k++
					}
					if k < end && b[k] == '"' {
						i = k + 1
						continue
					}
					s.state = jsInString
					break inside
				case jsOpen:
					if len(cs) >= s.lim.MaxDepth {
						return i - 1, newError("json", s.off+int64(i-1), ErrDepth,
							fmt.Sprintf("arrays and objects nest deeper than the limit of %d", s.lim.MaxDepth))
					}
					if cs == nil {
						cs = s.inner[:0]
					}
					if len(cs) > 0 {
						cs[len(cs)-1] = cur
					}
					cs, cur = append(cs, 0), 0
				case jsClose:
					top := len(cs) - 1
					if top < 0 {
						break // encoding/json reports it
					}
					cs = cs[:top]
					if top > 0 {
						cur = cs[top-1]
						break
					}
					s.commas = cs
					s.state = jsBetween
					if err := s.ended(i); err != nil {
						return s.failAt(i, err)
					}
					break inside
				case jsComma:
					if len(cs) == 0 {
						break
					}
					if cur++; cur >= s.lim.MaxElements {
						return i - 1, newError("json", s.off+int64(i-1), ErrElements,
							fmt.Sprintf("array or object of more than %d elements", s.lim.MaxElements))
					}
				}
			}
			if len(cs) > 0 {
				cs[len(cs)-1] = cur
			}
			s.commas = cs
		}
	}
	if s.state != jsBetween && s.off+int64(len(b))-s.start > int64(s.lim.MaxBytes) {
		return s.failAt(len(b), s.tooLarge())
	}
	s.off += int64(len(b))
	return len(b), nil
}

// ended checks the size of a value that ends before b[i].
func (s *jsonScanner) ended(i int) error {
	if s.off+int64(i)-s.start > int64(s.lim.MaxBytes) {
		return s.tooLarge()
	}
	return nil
}

func (s *jsonScanner) tooLarge() error {
	return newError("json", s.start, ErrTooLarge, fmt.Sprintf("value is larger than the limit of %d bytes", s.lim.MaxBytes))
}

// failAt returns how many bytes of a chunk that broke a limit before b[i]
// may pass: those before the value grew past MaxBytes, at most i.
func (s *jsonScanner) failAt(i int, err error) (int, error) {
	ok := s.start + int64(s.lim.MaxBytes) - s.off
	return int(max(0, min(ok, int64(i)))), err
}
