package index

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"sync"
)

// Op is a log record's opcode. Opcodes are appended, never reused.
type Op byte

const (
	OpAdd    Op = 1 // seq u64, id u64, dim x f32
	OpDelete Op = 2 // seq u64, id u64
)

// Log file format, version 1: header magic "WJHL", version u32, dim u32, CRC32-C u32 of
// the first 12 bytes; then records: op u8, fields little-endian, CRC32-C u32 of op and
// fields.
const (
	logMagic   = "WJHL"
	logVersion = 1
	logHeader  = 16
)

// Record is one logged change.
type Record struct {
	Op  Op
	Seq uint64
	ID  uint64
	Vec []float32 // OpAdd only
}

// Log is an append-only change log of an index since its last snapshot. Appends are
// serialized; each is one write at the end of the valid prefix, so a failed or torn
// write is overwritten by the next append and truncated by the next OpenLog.
type Log struct {
	dim       int
	truncated int64
	mu        struct {
		sync.Mutex
		f       *os.File
		size    int64
		lastSeq uint64
		buf     []byte
	}
}

func logHeaderBytes(dim int) []byte {
	b := append([]byte(logMagic), 0, 0, 0, 0, 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(b[4:], logVersion)
	binary.LittleEndian.PutUint32(b[8:], uint32(dim))
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// OpenLog opens or creates the log at path for vectors of dim. A torn or corrupt tail
// (short record, unknown opcode, bad CRC) is truncated away; Truncated reports how
// many bytes went.
func OpenLog(path string, dim int) (*Log, error) {
	if dim < 1 || dim > 1<<16 {
		return nil, fmt.Errorf("%w: Dim %d", ErrOptions, dim)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	l := &Log{dim: dim}
	l.mu.f = f
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.Size() < logHeader {
		// New, or a crash while writing the header: start over.
		if err := l.writeHeader(); err != nil {
			f.Close()
			return nil, err
		}
		return l, nil
	}
	valid, last, err := DecodeLog(bufio.NewReaderSize(io.NewSectionReader(f, 0, st.Size()), 1<<20), dim, nil)
	if err != nil && !errors.Is(err, ErrCorrupt) {
		f.Close()
		return nil, err
	}
	if valid < logHeader {
		f.Close()
		return nil, err // a bad header is not a torn tail
	}
	if valid < st.Size() {
		l.truncated = st.Size() - valid
		if err := f.Truncate(valid); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, err
		}
	}
	l.mu.size, l.mu.lastSeq = valid, last
	return l, nil
}

func (l *Log) writeHeader() error {
	f := l.mu.f
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt(logHeaderBytes(l.dim), 0); err != nil {
		return err
	}
	l.mu.size, l.mu.lastSeq = logHeader, 0
	return f.Sync()
}

// DecodeLog reads a log from r, calling fn (may be nil) for each valid record, and
// returns the byte length of the valid prefix and the last seq. It stops with an error
// wrapping ErrCorrupt at the first bad record; records before it were delivered.
func DecodeLog(r io.Reader, dim int, fn func(Record) error) (valid int64, lastSeq uint64, err error) {
	var hdr [logHeader]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, 0, fmt.Errorf("%w: log header: %v", ErrCorrupt, err)
	}
	if string(hdr[:4]) != logMagic || crc32.Checksum(hdr[:12], castagnoli) != binary.LittleEndian.Uint32(hdr[12:]) {
		return 0, 0, fmt.Errorf("%w: log header", ErrCorrupt)
	}
	if v := binary.LittleEndian.Uint32(hdr[4:]); v != logVersion {
		return 0, 0, fmt.Errorf("%w: log version %d", ErrVersion, v)
	}
	if d := binary.LittleEndian.Uint32(hdr[8:]); d != uint32(dim) {
		return 0, 0, fmt.Errorf("%w: log dim %d, want %d", ErrIncompatible, d, dim)
	}
	valid = logHeader
	buf := make([]byte, 1+16+4*dim+4)
	for {
		if _, err := io.ReadFull(r, buf[:1]); err == io.EOF {
			return valid, lastSeq, nil
		} else if err != nil {
			return valid, lastSeq, err
		}
		var n int
		switch Op(buf[0]) {
		case OpAdd:
			n = 1 + 16 + 4*dim
		case OpDelete:
			n = 1 + 16
		default:
			return valid, lastSeq, fmt.Errorf("%w: opcode %d at %d", ErrCorrupt, buf[0], valid)
		}
		if _, err := io.ReadFull(r, buf[1:n+4]); err != nil {
			return valid, lastSeq, fmt.Errorf("%w: short record at %d", ErrCorrupt, valid)
		}
		if crc32.Checksum(buf[:n], castagnoli) != binary.LittleEndian.Uint32(buf[n:]) {
			return valid, lastSeq, fmt.Errorf("%w: record checksum at %d", ErrCorrupt, valid)
		}
		rec := Record{Op: Op(buf[0]), Seq: binary.LittleEndian.Uint64(buf[1:]), ID: binary.LittleEndian.Uint64(buf[9:])}
		if rec.Op == OpAdd {
			rec.Vec = make([]float32, dim)
			for i := range rec.Vec {
				rec.Vec[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[17+4*i:]))
			}
		}
		if fn != nil {
			if err := fn(rec); err != nil {
				return valid, lastSeq, err
			}
		}
		valid += int64(n + 4)
		lastSeq = rec.Seq
	}
}

// AppendAdd logs that vec was added under id at seq.
func (l *Log) AppendAdd(seq, id uint64, vec []float32) error {
	if len(vec) != l.dim {
		return ErrDim
	}
	return l.append(OpAdd, seq, id, vec)
}

// AppendDelete logs that id was deleted at seq.
func (l *Log) AppendDelete(seq, id uint64) error { return l.append(OpDelete, seq, id, nil) }

func (l *Log) append(op Op, seq, id uint64, vec []float32) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.f == nil {
		return ErrClosed
	}
	b := append(l.mu.buf[:0], byte(op))
	b = binary.LittleEndian.AppendUint64(b, seq)
	b = binary.LittleEndian.AppendUint64(b, id)
	for _, x := range vec {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	l.mu.buf = b
	if _, err := l.mu.f.WriteAt(b, l.mu.size); err != nil {
		return err
	}
	l.mu.size += int64(len(b))
	l.mu.lastSeq = seq
	return nil
}

// Sync makes every appended record durable (group commit: call it once per batch).
func (l *Log) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.f == nil {
		return ErrClosed
	}
	return l.mu.f.Sync()
}

// Replay calls fn for every record in order.
func (l *Log) Replay(fn func(Record) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.f == nil {
		return ErrClosed
	}
	_, _, err := DecodeLog(bufio.NewReaderSize(io.NewSectionReader(l.mu.f, 0, l.mu.size), 1<<20), l.dim, fn)
	return err
}

// ReplayInto applies the records with seq > afterSeq to idx and returns the last seq
// applied (afterSeq when none).
func (l *Log) ReplayInto(idx Index, afterSeq uint64) (uint64, error) {
	last := afterSeq
	err := l.Replay(func(r Record) error {
		if r.Seq <= afterSeq {
			return nil
		}
		switch r.Op {
		case OpAdd:
			if err := idx.Add(r.ID, r.Vec); err != nil {
				return fmt.Errorf("replay seq %d: %w", r.Seq, err)
			}
		case OpDelete:
			idx.Delete(r.ID)
		}
		last = r.Seq
		return nil
	})
	return last, err
}

// Reset empties the log after a snapshot has been saved.
func (l *Log) Reset() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.f == nil {
		return ErrClosed
	}
	return l.writeHeader()
}

// LastSeq is the seq of the last record in the log (0 when empty).
func (l *Log) LastSeq() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.lastSeq
}

// Size is the log's length in bytes.
func (l *Log) Size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.size
}

// Truncated is how many bytes of torn tail OpenLog removed.
func (l *Log) Truncated() int64 { return l.truncated }

// Close closes the file (it does not sync; call Sync first for durability).
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.f == nil {
		return ErrClosed
	}
	err := l.mu.f.Close()
	l.mu.f = nil
	return err
}
