package main

import (
	"math"
	"slices"
)

// The statistics benchstat uses, for samples of a few runs: the median,
// a distribution-free confidence interval around it, and the
// Mann-Whitney U test to say whether two samples differ.

const (
	confidence = 0.95
	alpha      = 0.05
	// minUTest is the smallest sample for which the U test can reach
	// alpha at all: two samples of 4 give p = 2/70 at best, of 3 0.1.
	minUTest = 4
)

type summary struct {
	n              int
	center, lo, hi float64 // median and confidence interval
	exact          bool    // [lo, hi] is a confidence interval, not the range
}

// summarize returns the median of xs and the order statistics around it
// that cover the median with at least 95% confidence, or, for samples too
// small to give one (fewer than 6), the range of the samples.
func summarize(xs []float64) summary {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return summary{}
	}
	sum := summary{n: n, center: median(s), lo: s[0], hi: s[n-1]}
	// P(s[k] <= median <= s[n-1-k]) = 1 - 2 P(Binomial(n, 1/2) <= k).
	for k := (n - 1) / 2; k >= 0; k-- {
		if 1-2*binomCDF(k, n) >= confidence {
			sum.lo, sum.hi, sum.exact = s[k], s[n-1-k], true
			break
		}
	}
	return sum
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// binomCDF is P(X <= k) for X ~ Binomial(n, 1/2).
func binomCDF(k, n int) float64 {
	p, c := 0.0, 1.0 // c = n choose i
	for i := 0; i <= k; i++ {
		p += c
		c = c * float64(n-i) / float64(i+1)
	}
	return p / math.Pow(2, float64(n))
}

// spread is the half-width of the interval relative to the median, the
// "±" benchstat prints.
func (s summary) spread() float64 {
	if s.n < 2 || s.center == 0 {
		return 0
	}
	return math.Max(s.center-s.lo, s.hi-s.center) / s.center
}

// uTest returns the two-sided p-value of the Mann-Whitney U test of xs
// against ys: exact, from the distribution of U without ties (ties count
// half, which is close enough for timings, where they are rare).
func uTest(xs, ys []float64) float64 {
	n1, n2 := len(xs), len(ys)
	if n1 == 0 || n2 == 0 {
		return 1
	}
	u := 0.0 // pairs in which x is the larger
	for _, x := range xs {
		for _, y := range ys {
			switch {
			case x > y:
				u++
			case x == y:
				u += 0.5
			}
		}
	}
	// counts[k] is the number of orderings of the n1+n2 values with U = k.
	dist := uDistribution(n1, n2)
	total := 0.0
	for _, c := range dist {
		total += c
	}
	lower, upper := 0.0, 0.0
	for k, c := range dist {
		if float64(k) <= u {
			lower += c
		}
		if float64(k) >= u {
			upper += c
		}
	}
	return math.Min(1, 2*math.Min(lower, upper)/total)
}

// uDistribution returns, for each k from 0 to n1*n2, how many of the
// arrangements of n1 xs and n2 ys have U = k, by the recurrence
// f(n1, n2, k) = f(n1-1, n2, k-n2) + f(n1, n2-1, k).
func uDistribution(n1, n2 int) []float64 {
	// f[j][k] for the current i, j = 0..n2.
	f := make([][]float64, n2+1)
	for j := range f {
		f[j] = make([]float64, n1*n2+1)
		f[j][0] = 1 // i = 0: U is 0
	}
	for i := 1; i <= n1; i++ {
		next := make([][]float64, n2+1)
		for j := range next {
			next[j] = make([]float64, n1*n2+1)
			for k := range next[j] {
				if j == 0 {
					if k == 0 {
						next[j][k] = 1
					}
					continue
				}
				// The largest value is an x (beating all j ys) or a y.
				if k >= j {
					next[j][k] += f[j][k-j]
				}
				next[j][k] += next[j-1][k]
			}
		}
		f = next
	}
	return f[n2]
}
