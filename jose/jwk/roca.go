package jwk

import (
	"cmp"
	"math/big"
	"math/bits"
	"slices"
	"sync"
)

// ErrROCA means an RSA modulus with the fingerprint of the keys that
// Infineon's RSALib generated ([CVE-2017-15361], "ROCA"): their primes have
// a structure that lets anyone factor the modulus, so the key protects
// nothing. It is a weak key: errors.Is(err, [ErrWeakKey]) holds too.
//
// [CVE-2017-15361]: https://www.cve.org/CVERecord?id=CVE-2017-15361
var ErrROCA error = rocaError{}

type rocaError struct{}

func (rocaError) Error() string {
	return "jwk: key is too weak: RSA modulus has the ROCA fingerprint (CVE-2017-15361)"
}

// Is makes a ROCA key an [ErrWeakKey] too.
func (rocaError) Is(target error) bool { return target == ErrWeakKey }

// The ROCA fingerprint ([Nemec et al., CCS 2017], Section 2.3): each prime
// of a vulnerable key is k·M + (65537^a mod M), with M a primorial, so the
// modulus N = p·q is a power of 65537 modulo M. A random modulus is one
// with a probability far below 2^-100. The test, as in the authors'
// detector (roca-detect, its discrete-logarithm variant), checks whether
// N mod M lies in the subgroup that 65537 generates in (Z/MZ)*, with
// M = 167# (the product of the primes up to 167): N^ord ≡ 1, then a
// Pohlig–Hellman discrete logarithm over the small prime-power factors of
// ord, the order of 65537, confirmed by recomputing 65537^x mod M.
//
// [Nemec et al., CCS 2017]: https://crocs.fi.muni.cz/public/papers/rsa_ccs17

// rocaGenerator is the generator of the subgroup, 65537.
const rocaGenerator = 65537

// rocaMaxPrime is the largest prime of the primorial M.
const rocaMaxPrime = 167

// rocaTables holds M, the order of 65537 modulo M, and for each maximal
// prime power q dividing that order, the subgroup of order q: the powers
// of 65537^(ord/q). filters holds, for each prime p of M, the powers of
// 65537 modulo p, most selective first: a quick test that almost every
// honest modulus fails on its first prime or two.
type rocaTables struct {
	m, order *big.Int
	parts    []rocaPart
	filters  []rocaFilter
}

type rocaFilter struct {
	p      uint64
	member []bool // member[r]: r is a power of 65537 mod p
	size   int    // how many are
}

type rocaPart struct {
	q        int64    // a maximal prime power dividing the order
	cofactor *big.Int // order / q
	powers   []*big.Int
}

// rocaParams computes the tables on first use (about a hundred small
// big.Int operations).
var rocaParams = sync.OnceValue(func() *rocaTables {
	var primes []int64
	for p := int64(2); p <= rocaMaxPrime; p++ {
		prime := true
		for _, d := range primes {
			if p%d == 0 {
				prime = false
				break
			}
		}
		if prime {
			primes = append(primes, p)
		}
	}
	t := &rocaTables{m: big.NewInt(1)}
	// The order of 65537 modulo M is the least common multiple of its
	// orders modulo each prime; each divides p-1, so all its prime factors
	// are among the primes.
	exps := map[int64]int{}
	for _, p := range primes {
		t.m.Mul(t.m, big.NewInt(p))
		f := rocaFilter{p: uint64(p), member: make([]bool, p)}
		f.member[1] = true
		ord, x := int64(1), rocaGenerator%p
		for x != 1 {
			f.member[x] = true
			x = x * (rocaGenerator % p) % p
			ord++
		}
		f.size = int(ord)
		t.filters = append(t.filters, f)
		for _, f := range primes {
			e := 0
			for ord%f == 0 {
				ord /= f
				e++
			}
			exps[f] = max(exps[f], e)
		}
	}
	t.order = big.NewInt(1)
	for _, f := range primes {
		if exps[f] == 0 {
			continue
		}
		q := int64(1)
		for range exps[f] {
			q *= f
		}
		t.order.Mul(t.order, big.NewInt(q))
		t.parts = append(t.parts, rocaPart{q: q})
	}
	// Most selective first: the smallest share of the residues.
	slices.SortStableFunc(t.filters, func(a, b rocaFilter) int {
		return cmp.Compare(float64(a.size)/float64(a.p), float64(b.size)/float64(b.p))
	})
	g := big.NewInt(rocaGenerator)
	for i := range t.parts {
		p := &t.parts[i]
		p.cofactor = new(big.Int).Div(t.order, big.NewInt(p.q))
		gq := new(big.Int).Exp(g, p.cofactor, t.m) // of order q
		x := big.NewInt(1)
		for range p.q {
			p.powers = append(p.powers, x)
			x = new(big.Int).Mod(new(big.Int).Mul(x, gq), t.m)
		}
	}
	return t
})

// hasROCAFingerprint reports whether n mod M is a power of 65537.
func hasROCAFingerprint(n *big.Int) bool {
	t := rocaParams()
	words := n.Bits()
	for _, f := range t.filters {
		// n mod p, 32 bits at a time from the most significant word, so
		// that it runs the same where a big.Word has 32 bits.
		var r uint64
		for i := len(words) - 1; i >= 0; i-- {
			for shift := bits.UintSize - 32; shift >= 0; shift -= 32 {
				r = (r<<32 | uint64(words[i])>>shift&0xffffffff) % f.p
			}
		}
		if !f.member[r] {
			return false // almost every honest key stops here
		}
	}
	e := new(big.Int).Mod(n, t.m)
	one := big.NewInt(1)
	h := new(big.Int).Exp(e, t.order, t.m)
	if h.Cmp(one) != 0 {
		return false
	}
	// x ≡ i (mod q) for each part, combined by the Chinese remainder
	// theorem into x mod order.
	x := new(big.Int)
	for _, p := range t.parts {
		h.Exp(e, p.cofactor, t.m)
		i := -1
		for j, pw := range p.powers {
			if pw.Cmp(h) == 0 {
				i = j
				break
			}
		}
		if i < 0 {
			return false
		}
		// x += i · (order/q) · ((order/q)^-1 mod q)
		q := big.NewInt(p.q)
		inv := new(big.Int).ModInverse(new(big.Int).Mod(p.cofactor, q), q)
		term := new(big.Int).Mul(big.NewInt(int64(i)), p.cofactor)
		x.Add(x, term.Mul(term, inv))
	}
	x.Mod(x, t.order)
	return new(big.Int).Exp(big.NewInt(rocaGenerator), x, t.m).Cmp(e) == 0
}
