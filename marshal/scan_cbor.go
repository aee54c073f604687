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

func (s *cborScanner) reset(base int64) {
	s.base, s.pos = base, 0
	if s.stack == nil {
		s.stack = s.inner[:0]
	}
	s.stack = s.stack[:0]
}

// scan is mpScanner.scan for CBOR.
func (s *cborScanner) scan(buf []byte, complete bool) (end, need int, err error) {
	room := len(buf)
	if !complete {
		room = s.lim.MaxBytes
	}
	pos := s.pos
	for {
		if pos >= len(buf) {
			s.pos = pos
			if complete {
				return 0, 0, ended("cbor", s.base+int64(pos), len(s.stack))
			}
			return 0, 1, nil
		}
		b := buf[pos]
		major, ai := b>>5, b&0x1f
		hsize := 1
		switch {
		case ai == 24:
			hsize = 2
		case ai == 25:
			hsize = 3
		case ai == 26:
			hsize = 5
		case ai == 27:
			hsize = 9
		case ai >= 28 && ai <= 30:
			return 0, 0, s.malformed(pos, fmt.Sprintf("reserved additional information %d", ai))
		}
		if pos+hsize > len(buf) {
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
		top := len(s.stack) - 1
		if top >= 0 && s.stack[top].indef >= cborBytes && s.stack[top].indef <= cborText && b != 0xff {
			// Inside an indefinite-length string only definite chunks of
			// its own major type may appear.
			if major != s.stack[top].indef || ai == 31 {
				return 0, 0, s.malformed(pos, fmt.Sprintf("%s chunk inside an indefinite-length %s", cborMajorName[major], cborMajorName[s.stack[top].indef]))
			}
		}
		var open *cborFrame // a container this item opens
		var frame cborFrame
		switch {
		case b == 0xff: // break
			if top < 0 || s.stack[top].indef == 0 {
				return 0, 0, s.malformed(pos, "break outside an indefinite-length item")
			}
			if s.stack[top].indef == cborMap && s.stack[top].left%2 != 0 {
				return 0, 0, s.malformed(pos, "indefinite-length map ends after a key")
			}
			pos++
			s.stack = s.stack[:top]
		case ai == 31:
			switch major {
			case cborBytes, cborText, cborArray, cborMap:
				frame = cborFrame{indef: major}
				open = &frame
				pos++
			default:
				return 0, 0, s.malformed(pos, fmt.Sprintf("indefinite length for a %s", cborMajorName[major]))
			}
		case major == cborBytes || major == cborText:
			if arg > uint64(room-pos-hsize) {
				if complete {
					return 0, 0, newError("cbor", s.base+int64(pos), io.ErrUnexpectedEOF,
						fmt.Sprintf("%s of %d bytes truncated: %d bytes left", cborMajorName[major], arg, len(buf)-pos-hsize))
				}
				return 0, 0, s.tooLarge(pos, cborMajorName[major], arg)
			}
			if n := pos + hsize + int(arg); n > len(buf) {
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
			if count > 0 {
				frame = cborFrame{left: count}
				open = &frame
			}
		case major == cborTag:
			pos += hsize
			frame = cborFrame{left: 1}
			open = &frame
		case major == cborOther && ai == 24 && arg < 32:
			return 0, 0, s.malformed(pos, fmt.Sprintf("simple value %d in two bytes", arg))
		default: // integers, simple values, floats
			pos += hsize
		}
		if open != nil {
			if len(s.stack) >= s.lim.MaxDepth {
				return 0, 0, newError("cbor", s.base+int64(pos-hsize), ErrDepth,
					fmt.Sprintf("arrays, maps and tags nest deeper than the limit of %d", s.lim.MaxDepth))
			}
			s.stack = append(s.stack, *open)
			continue
		}
		if b == 0xff && len(s.stack) == 0 {
			s.pos = pos
			return pos, 0, nil
		}
		// One item done (an indefinite one just closed by a break counts
		// too): close every definite container it completes and count it in
		// an indefinite one.
		for {
			top := len(s.stack) - 1
			if top < 0 {
				s.pos = pos
				return pos, 0, nil
			}
			f := &s.stack[top]
			if f.indef != 0 {
				f.left++
				if f.indef == cborArray && f.left > uint64(s.lim.MaxElements) ||
					f.indef == cborMap && f.left > 2*uint64(s.lim.MaxElements) {
					return 0, 0, newError("cbor", s.base+int64(pos), ErrElements,
						fmt.Sprintf("indefinite-length %s exceeds the limit of %d elements", cborMajorName[f.indef], s.lim.MaxElements))
				}
				break
			}
			if f.left--; f.left > 0 {
				break
			}
			s.stack = s.stack[:top]
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
