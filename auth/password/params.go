package password

import "fmt"

// Params are argon2id parameters ([RFC 9106, Section 3.1]).
//
// [RFC 9106, Section 3.1]: https://www.rfc-editor.org/rfc/rfc9106#section-3.1
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// MinParams is the smallest cost accepted for new hashes: the OWASP
// minimum for argon2id (19 MiB, 2 passes, 1 thread).
var MinParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
	// maxMemory bounds what a hash read from the store may cost: 1 GiB in
	// KiB.
	maxMemory = 1 << 20
	maxTime   = 64
)

// WithDefaults returns p with its zero fields set from [MinParams], or an
// error if p is below the minimum or above what a stored hash may cost.
func (p Params) WithDefaults() (Params, error) {
	if p.Memory == 0 {
		p.Memory = MinParams.Memory
	}
	if p.Time == 0 {
		p.Time = MinParams.Time
	}
	if p.Threads == 0 {
		p.Threads = MinParams.Threads
	}
	if p.Memory < MinParams.Memory || p.Time < MinParams.Time || p.Memory > maxMemory || p.Time > maxTime {
		return p, fmt.Errorf("argon2id parameters m=%d,t=%d,p=%d are out of range (at least m=%d,t=%d,p=%d)",
			p.Memory, p.Time, p.Threads, MinParams.Memory, MinParams.Time, MinParams.Threads)
	}
	return p, nil
}

// String returns the PHC parameter string "m=…,t=…,p=…".
func (p Params) String() string {
	return fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, p.Threads)
}

// Work returns the number of 1 KiB block compressions one hash under p
// computes: the memory rounded down to whole segments (4 per lane; at
// least 2 blocks per segment), as argon2 does, times the passes
// ([RFC 9106, Section 3.2]). The time and the memory traffic of a hash
// are proportional to it.
//
// [RFC 9106, Section 3.2]: https://www.rfc-editor.org/rfc/rfc9106#section-3.2
func (p Params) Work() uint64 {
	lanes := uint64(max(p.Threads, 1))
	m := uint64(p.Memory)
	m = m / (syncPoints * lanes) * (syncPoints * lanes)
	m = max(m, 2*syncPoints*lanes)
	return m * uint64(p.Time)
}

// syncPoints is the number of segments per lane and pass ([RFC 9106,
// Section 3.4]).
//
// [RFC 9106, Section 3.4]: https://www.rfc-editor.org/rfc/rfc9106#section-3.4
const syncPoints = 4
