package marshal

import (
	"encoding/binary"
	"fmt"
	"io"
)

// MessagePack item classes, by first byte (see the table in mpClass).
const (
	mpInvalid  = iota // 0xc1, never used
	mpFixed           // the whole item is mpSize[b] bytes
	mpFixArray        // count in the low bits of the first byte
	mpFixMap
	mpFixStr
	mpStr   // length in the mpSize[b]-1 bytes after the first
	mpExt   // length in the mpSize[b]-2 bytes after the first, then a type byte
	mpArray // count in the mpSize[b]-1 bytes after the first
	mpMap
)

// mpClass and mpSize classify every first byte: mpSize is the whole item
// for mpFixed, the header for the others.
var mpClass, mpSize = func() (c, n [256]uint8) {
	set := func(lo, hi int, class, size uint8) {
		for b := lo; b <= hi; b++ {
			c[b], n[b] = class, size
		}
	}
	set(0x00, 0x7f, mpFixed, 1) // positive fixint
	set(0x80, 0x8f, mpFixMap, 1)
	set(0x90, 0x9f, mpFixArray, 1)
	set(0xa0, 0xbf, mpFixStr, 1)
	set(0xc0, 0xc0, mpFixed, 1) // nil
	set(0xc1, 0xc1, mpInvalid, 1)
	set(0xc2, 0xc3, mpFixed, 1) // false, true
	set(0xc4, 0xc4, mpStr, 2)   // bin 8
	set(0xc5, 0xc5, mpStr, 3)   // bin 16
	set(0xc6, 0xc6, mpStr, 5)   // bin 32
	set(0xc7, 0xc7, mpExt, 3)   // ext 8
	set(0xc8, 0xc8, mpExt, 4)   // ext 16
	set(0xc9, 0xc9, mpExt, 6)   // ext 32
	set(0xca, 0xca, mpFixed, 5) // float 32
	set(0xcb, 0xcb, mpFixed, 9) // float 64
	set(0xcc, 0xcc, mpFixed, 2) // uint 8 .. 64
	set(0xcd, 0xcd, mpFixed, 3)
	set(0xce, 0xce, mpFixed, 5)
	set(0xcf, 0xcf, mpFixed, 9)
	set(0xd0, 0xd0, mpFixed, 2) // int 8 .. 64
	set(0xd1, 0xd1, mpFixed, 3)
	set(0xd2, 0xd2, mpFixed, 5)
	set(0xd3, 0xd3, mpFixed, 9)
	set(0xd4, 0xd4, mpFixed, 3) // fixext 1, 2, 4, 8, 16: type byte + data
	set(0xd5, 0xd5, mpFixed, 4)
	set(0xd6, 0xd6, mpFixed, 6)
	set(0xd7, 0xd7, mpFixed, 10)
	set(0xd8, 0xd8, mpFixed, 18)
	set(0xd9, 0xd9, mpStr, 2) // str 8, 16, 32
	set(0xda, 0xda, mpStr, 3)
	set(0xdb, 0xdb, mpStr, 5)
	set(0xdc, 0xdc, mpArray, 3) // array 16, 32
	set(0xdd, 0xdd, mpArray, 5)
	set(0xde, 0xde, mpMap, 3) // map 16, 32
	set(0xdf, 0xdf, mpMap, 5)
	set(0xe0, 0xff, mpFixed, 1) // negative fixint
	return
}()

// mpItemSize is the whole size of an item that its first byte fully
// determines (numbers, nil, booleans, fixstr), and 0 for the others, which
// mpClass and mpSize describe: the scan's fast path.
var mpItemSize = func() (n [256]uint8) {
	for b := range 256 {
		switch {
		case b >= 0xa0 && b <= 0xbf:
			n[b] = 1 + uint8(b&0x1f)
		case mpClass[b] == mpFixed && (b < 0xd4 || b > 0xd8): // not fixext
			n[b] = mpSize[b]
		}
	}
	return
}()

// mpScanner walks one MessagePack value item by item, without decoding
// it, and checks it against the limits: every declared length and count
// must fit in the bytes that can still follow, containers nest at most
// MaxDepth deep and hold at most MaxElements elements (pairs for a map).
// Nesting is tracked on an explicit stack of remaining item counts, so
// hostile depth costs no Go stack.
//
// A scan can stop anywhere and resume when more bytes have arrived: it
// consumes whole items only, and its state is the offset of the next item
// and the stack.
type mpScanner struct {
	lim   Limits
	base  int64 // stream offset of the value's first byte, for errors
	pos   int   // offset of the next item within the value
	depth int   // open containers
	// left is the count of items left in the innermost open container
	// (when depth > 0); stack holds those of the depth-1 containers
	// around it, innermost last.
	left  uint64
	stack []uint64
	inner [16]uint64
	// extMaps holds the offsets, within the value, of the extension
	// payloads that start with a map header: see checkExtMaps.
	extMaps []int
}

func (s *mpScanner) reset(base int64) {
	s.base, s.pos, s.depth, s.left = base, 0, 0, 0
	if s.stack == nil {
		s.stack = s.inner[:0]
	}
	s.stack = s.stack[:0]
	s.extMaps = s.extMaps[:0]
}

// mpMapHeader reports whether b starts a map.
func mpMapHeader(b byte) bool { return b&0xf0 == 0x80 || b == 0xde || b == 0xdf }

// scan continues the walk over buf, which holds the value from its first
// byte. It returns the value's length once the value ends within buf.
// Otherwise it returns need > 0, the count of further bytes the next item
// takes at least, or, when complete is true (buf is all the input there
// is), an error: truncated input, or a count that cannot fit. When
// complete is false, lengths are held to MaxBytes instead, so a stream
// never buffers more than MaxBytes for one value.
//
// The walk's state lives in local variables while it runs (the innermost
// count in left, the enclosing ones on the stack) and goes back into s at
// every return.
func (s *mpScanner) scan(buf []byte, complete bool) (end, need int, err error) {
	room := len(buf) // the most bytes the value may span
	if !complete {
		room = s.lim.MaxBytes
	}
	pos, depth, left, stack := s.pos, s.depth, s.left, s.stack
	for {
		if pos >= len(buf) {
			s.pos, s.depth, s.left, s.stack = pos, depth, left, stack
			if complete {
				return 0, 0, ended("msgpack", s.base+int64(pos), depth)
			}
			return 0, 1, nil
		}
		b := buf[pos]
		// The fast path: an item whose first byte says its size. Sizes
		// of the commonest items are computed rather than looked up,
		// which keeps a load off the chain from one item to the next.
		size := 1 // fixint
		switch {
		case b < 0x80 || b >= 0xe0:
		case b >= 0xa0 && b < 0xc0:
			size += int(b & 0x1f) // fixstr
		default:
			size = int(mpItemSize[b])
		}
		if size != 0 {
			if pos+size > len(buf) {
				s.pos, s.depth, s.left, s.stack = pos, depth, left, stack
				return s.short(pos, size, len(buf), complete)
			}
			pos += size
		} else {
			size := int(mpSize[b])
			var count uint64 // container elements, counting a map's keys and values
			switch mpClass[b] {
			case mpFixed: // fixext
				if pos+size > len(buf) {
					s.pos, s.depth, s.left, s.stack = pos, depth, left, stack
					return s.short(pos, size, len(buf), complete)
				}
				if mpMapHeader(buf[pos+2]) {
					s.extMaps = append(s.extMaps, pos+2)
				}
				pos += size
			case mpFixArray:
				count = uint64(b & 0x0f)
				pos++
			case mpFixMap:
				count = 2 * uint64(b&0x0f)
				pos++
			case mpStr, mpExt:
				if pos+size > len(buf) {
					s.pos, s.depth, s.left, s.stack = pos, depth, left, stack
					return s.short(pos, size, len(buf), complete)
				}
				lenBytes := size - 1
				if mpClass[b] == mpExt {
					lenBytes-- // the type byte follows the length
				}
				n := mpUint(buf[pos+1 : pos+1+lenBytes])
				if n > uint64(room-pos-size) {
					s.pos, s.depth, s.left, s.stack = pos, depth, left, stack
					if complete {
						return 0, 0, s.truncated(pos, mpName(b), int64(n), len(buf)-pos-size)
					}
					return 0, 0, s.tooLarge(pos, mpName(b), n)
				}
				if pos+size+int(n) > len(buf) {
					s.pos, s.depth, s.left, s.stack = pos, depth, left, stack
					return s.short(pos, size+int(n), len(buf), complete)
				}
				if mpClass[b] == mpExt && n > 0 && mpMapHeader(buf[pos+size]) {
					s.extMaps = append(s.extMaps, pos+size)
				}
				pos += size + int(n)
			case mpArray, mpMap:
				if pos+size > len(buf) {
					s.pos, s.depth, s.left, s.stack = pos, depth, left, stack
					return s.short(pos, size, len(buf), complete)
				}
				n := mpUint(buf[pos+1 : pos+size])
				count = n
				if mpClass[b] == mpMap {
					count = 2 * n
				}
				if n > uint64(s.lim.MaxElements) {
					return 0, 0, newError("msgpack", s.base+int64(pos), ErrElements,
						fmt.Sprintf("%s of %d elements exceeds the limit of %d", mpName(b), n, s.lim.MaxElements))
				}
				// Every element takes at least one byte.
				if left := room - pos - size; count > uint64(left) {
					if complete {
						return 0, 0, newError("msgpack", s.base+int64(pos), io.ErrUnexpectedEOF,
							fmt.Sprintf("%s of %d elements cannot fit in the %d bytes left", mpName(b), n, left))
					}
					return 0, 0, s.tooLarge(pos, mpName(b), count)
				}
				pos += size
			default:
				return 0, 0, newError("msgpack", s.base+int64(pos), ErrMalformed, "invalid type byte 0xc1")
			}
			if count > 0 {
				if depth >= s.lim.MaxDepth {
					return 0, 0, newError("msgpack", s.base+int64(pos-size), ErrDepth,
						fmt.Sprintf("containers nest deeper than the limit of %d", s.lim.MaxDepth))
				}
				if depth > 0 {
					stack = append(stack, left)
				}
				depth, left = depth+1, count
				continue
			}
		}
		// One item done: close every container it completes.
		for {
			if depth == 0 {
				s.pos, s.depth, s.left, s.stack = pos, depth, left, stack
				return pos, 0, nil
			}
			if left--; left > 0 {
				break
			}
			if depth--; depth > 0 {
				left, stack = stack[len(stack)-1], stack[:len(stack)-1]
			}
		}
	}
}

// short handles an item at pos of size bytes that buf does not hold in
// full: more bytes are needed, or, for complete input, it is truncated.
func (s *mpScanner) short(pos, size, have int, complete bool) (int, int, error) {
	s.pos = pos
	if complete {
		return 0, 0, s.truncated(pos, "item", int64(size), have-pos)
	}
	return 0, pos + size - have, nil
}

func (s *mpScanner) truncated(pos int, what string, n int64, left int) error {
	return newError("msgpack", s.base+int64(pos), io.ErrUnexpectedEOF,
		fmt.Sprintf("%s of %d bytes truncated: %d bytes left", what, n, left))
}

func (s *mpScanner) tooLarge(pos int, what string, n uint64) error {
	return newError("msgpack", s.base+int64(pos), ErrTooLarge,
		fmt.Sprintf("%s of length %d makes the value larger than the limit of %d bytes", what, n, s.lim.MaxBytes))
}

// ended is the error for complete input that stops where an item should
// start, open containers deep.
func ended(codec string, off int64, open int) error {
	msg := "no value: the input is empty"
	switch {
	case open == 1:
		msg = "input ends inside an open container"
	case open > 1:
		msg = fmt.Sprintf("input ends inside %d open containers", open)
	}
	return newError(codec, off, io.ErrUnexpectedEOF, msg)
}

func mpUint(b []byte) uint64 {
	switch len(b) {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.BigEndian.Uint16(b))
	default:
		return uint64(binary.BigEndian.Uint32(b))
	}
}

func mpName(b byte) string {
	switch {
	case b >= 0xc4 && b <= 0xc6:
		return "bin"
	case b >= 0xc7 && b <= 0xc9:
		return "ext"
	case b >= 0xd9 && b <= 0xdb:
		return "str"
	case b == 0xdc || b == 0xdd || b&0xf0 == 0x90:
		return "array"
	}
	return "map"
}
