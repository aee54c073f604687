package marshal

import (
	"encoding/binary"
	"fmt"
	"io"
)

// cborFrame is one open container on a cborScanner's stack.
type cborFrame struct {
	left  uint64 // items left in a definite container; items so far in an indefinite one
	indef uint8  // 0, or the major type of an indefinite container or string
}

// cborScanner walks one CBOR data item (RFC 8949) head by head, without
// decoding it, and checks that it is well-formed and within the limits:
// every declared length fits in the bytes that can still follow, arrays,
// maps and tags nest at most MaxDepth deep (tags count as fxamacker/cbor
// counts them) and hold at most MaxElements elements (pairs for a map).
// Like mpScanner it keeps its nesting on an explicit stack and can resume
// when more bytes arrive.
type cborScanner struct {
	lim   Limits
	base  int64
	pos   int
	depth int // open containers
	// cur is the innermost open container (when depth > 0); stack holds
	// the depth-1 around it, innermost last.
	cur   cborFrame
	stack []cborFrame
	inner [8]cborFrame
}

const (
	cborBytes = 2
	cborText  = 3
	cborArray = 4
	cborMap   = 5
	cborTag   = 6
	cborOther = 7
)

var cborMajorName = [8]string{"unsigned integer", "negative integer", "byte string", "text string", "array", "map", "tag", "simple value"}

// cborHeadSize is the size of the head each first byte starts (1, 2, 3, 5 or
// 9), or 0 for additional information 28 to 31 (reserved, or an
// indefinite length or break).
var cborHeadSize = func() (n [256]uint8) {
	for b := range 256 {
		switch ai := b & 0x1f; {
		case ai < 24:
			n[b] = 1
		case ai <= 27:
			n[b] = 1 + 1<<(ai-24)
		}
	}
	return
}()

// cborItemSize is the whole size of an item that its first byte fully
// determines and that cannot be malformed once that many bytes are there
// (integers, short strings, simple values but those in two bytes, floats),
// and 0 for the others: the scan's fast path.
var cborItemSize = func() (n [256]uint8) {
	for b := range 256 {
		major, ai := b>>5, b&0x1f
		switch {
		case ai >= 28:
		case major == 0 || major == 1:
			n[b] = cborHeadSize[b]
		case (major == cborBytes || major == cborText) && ai < 24:
			n[b] = 1 + uint8(ai)
		case major == cborOther && ai != 24:
			n[b] = cborHeadSize[b]
		}
	}
	return
}()

func (s *cborScanner) reset(base int64) {
	s.base, s.pos, s.depth, s.cur = base, 0, 0, cborFrame{}
	if s.stack == nil {
		s.stack = s.inner[:0]
	}
	s.stack = s.stack[:0]
}

// scan is mpScanner.scan for CBOR. As there, the walk's state lives in
// local variables while it runs and goes back into s at every return.
func (s *cborScanner) scan(buf []byte, complete bool) (end, need int, err error) {
	room := len(buf)
	if !complete {
		room = s.lim.MaxBytes
	}
	pos, depth, cur, stack := s.pos, s.depth, s.cur, s.stack
	for {
		if pos >= len(buf) {
			s.pos, s.depth, s.cur, s.stack = pos, depth, cur, stack
			if complete {
				return 0, 0, ended("cbor", s.base+int64(pos), depth)
			}
			return 0, 1, nil
		}
		b := buf[pos]
		if size := int(cborItemSize[b]); size != 0 && pos+size <= len(buf) &&
			(depth == 0 || cur.indef != cborBytes && cur.indef != cborText) {
			// The fast path: a whole item whose first byte says its
			// size, outside an indefinite-length string. (The general
			// code below reports what is wrong with the others.)
			pos += size
		} else {
			major, ai := b>>5, b&0x1f
			hsize := int(cborHeadSize[b])
			if hsize == 0 {
				hsize = 1
				if ai != 31 {
					return 0, 0, s.malformed(pos, fmt.Sprintf("reserved additional information %d", ai))
				}
			}
			if pos+hsize > len(buf) {
				s.pos, s.depth, s.cur, s.stack = pos, depth, cur, stack
				return s.short(pos, hsize, len(buf), complete)
			}
			var arg uint64
			switch hsize {
			case 1:
				arg = uint64(ai)
			case 2:
				arg = uint64(buf[pos+1])
			case 3:
				arg = uint64(binary.BigEndian.Uint16(buf[pos+1:]))
			case 5:
				arg = uint64(binary.BigEndian.Uint32(buf[pos+1:]))
			default:
				arg = binary.BigEndian.Uint64(buf[pos+1:])
			}
			if depth > 0 && cur.indef >= cborBytes && cur.indef <= cborText && b != 0xff {
				// Inside an indefinite-length string only definite chunks of
				// its own major type may appear.
				if major != cur.indef || ai == 31 {
					return 0, 0, s.malformed(pos, fmt.Sprintf("%s chunk inside an indefinite-length %s", cborMajorName[major], cborMajorName[cur.indef]))
				}
			}
			var open cborFrame // a container this item opens, if open.left or open.indef
			switch {
			case b == 0xff: // break
				if depth == 0 || cur.indef == 0 {
					return 0, 0, s.malformed(pos, "break outside an indefinite-length item")
				}
				if cur.indef == cborMap && cur.left%2 != 0 {
					return 0, 0, s.malformed(pos, "indefinite-length map ends after a key")
				}
				pos++
				if depth--; depth > 0 {
					cur, stack = stack[len(stack)-1], stack[:len(stack)-1]
				}
				if depth == 0 {
					s.pos, s.depth, s.cur, s.stack = pos, depth, cur, stack
					return pos, 0, nil
				}
			case ai == 31:
				switch major {
				case cborBytes, cborText, cborArray, cborMap:
					open = cborFrame{indef: major}
					pos++
				default:
					return 0, 0, s.malformed(pos, fmt.Sprintf("indefinite length for a %s", cborMajorName[major]))
				}
			case major == cborBytes || major == cborText:
				if arg > uint64(room-pos-hsize) {
					s.pos, s.depth, s.cur, s.stack = pos, depth, cur, stack
					if complete {
						return 0, 0, newError("cbor", s.base+int64(pos), io.ErrUnexpectedEOF,
							fmt.Sprintf("%s of %d bytes truncated: %d bytes left", cborMajorName[major], arg, len(buf)-pos-hsize))
					}
					return 0, 0, s.tooLarge(pos, cborMajorName[major], arg)
				}
				if n := pos + hsize + int(arg); n > len(buf) {
					s.pos, s.depth, s.cur, s.stack = pos, depth, cur, stack
					return s.short(pos, hsize+int(arg), len(buf), complete)
				}
				pos += hsize + int(arg)
			case major == cborArray || major == cborMap:
				count := arg
				if major == cborMap {
					count = 2 * arg // arg < 2^64 / 2 after the room check below
				}
				if arg > uint64(s.lim.MaxElements) {
					return 0, 0, newError("cbor", s.base+int64(pos), ErrElements,
						fmt.Sprintf("%s of %d elements exceeds the limit of %d", cborMajorName[major], arg, s.lim.MaxElements))
				}
				if left := room - pos - hsize; count > uint64(left) {
					if complete {
						return 0, 0, newError("cbor", s.base+int64(pos), io.ErrUnexpectedEOF,
							fmt.Sprintf("%s of %d elements cannot fit in the %d bytes left", cborMajorName[major], arg, left))
					}
					return 0, 0, s.tooLarge(pos, cborMajorName[major], count)
				}
				pos += hsize
				open.left = count
			case major == cborTag:
				pos += hsize
				open.left = 1
			case major == cborOther && ai == 24 && arg < 32:
				return 0, 0, s.malformed(pos, fmt.Sprintf("simple value %d in two bytes", arg))
			default: // integers, simple values, floats
				pos += hsize
			}
			if open.left != 0 || open.indef != 0 {
				if depth >= s.lim.MaxDepth {
					return 0, 0, newError("cbor", s.base+int64(pos-hsize), ErrDepth,
						fmt.Sprintf("arrays, maps and tags nest deeper than the limit of %d", s.lim.MaxDepth))
				}
				if depth > 0 {
					stack = append(stack, cur)
				}
				depth, cur = depth+1, open
				continue
			}
		}
		// One item done (an indefinite one just closed by a break counts
		// too): close every definite container it completes and count it in
		// an indefinite one.
		for {
			if depth == 0 {
				s.pos, s.depth, s.cur, s.stack = pos, depth, cur, stack
				return pos, 0, nil
			}
			if cur.indef != 0 {
				cur.left++
				if cur.indef == cborArray && cur.left > uint64(s.lim.MaxElements) ||
					cur.indef == cborMap && cur.left > 2*uint64(s.lim.MaxElements) {
					return 0, 0, newError("cbor", s.base+int64(pos), ErrElements,
						fmt.Sprintf("indefinite-length %s exceeds the limit of %d elements", cborMajorName[cur.indef], s.lim.MaxElements))
				}
				break
			}
			if cur.left--; cur.left > 0 {
				break
			}
			if depth--; depth > 0 {
				cur, stack = stack[len(stack)-1], stack[:len(stack)-1]
			}
		}
	}
}

func (s *cborScanner) short(pos, size, have int, complete bool) (int, int, error) {
	s.pos = pos
	if complete {
		return 0, 0, newError("cbor", s.base+int64(pos), io.ErrUnexpectedEOF,
			fmt.Sprintf("item of %d bytes truncated: %d bytes left", size, have-pos))
	}
	return 0, pos + size - have, nil
}

func (s *cborScanner) malformed(pos int, msg string) error {
	return newError("cbor", s.base+int64(pos), ErrMalformed, msg)
}

func (s *cborScanner) tooLarge(pos int, what string, n uint64) error {
	return newError("cbor", s.base+int64(pos), ErrTooLarge,
		fmt.Sprintf("%s of length %d makes the value larger than the limit of %d bytes", what, n, s.lim.MaxBytes))
}
