package gpu

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
)

// CUDAVersion is a CUDA major.minor version such as 12.4.
type CUDAVersion struct {
	Major, Minor int
}

// ParseCUDAVersion reads "12.4" (or "12", meaning 12.0). A patch part, as
// in "12.4.1", is ignored: CUDA compatibility is decided by major.minor.
func ParseCUDAVersion(s string) (CUDAVersion, error) {
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) > 3 || parts[0] == "" {
		return CUDAVersion{}, fmt.Errorf("CUDA version %q: want major.minor, such as \"12.4\"", s)
	}
	nums := make([]int, 3)
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p[0] == '+' {
			return CUDAVersion{}, fmt.Errorf("CUDA version %q: want major.minor, such as \"12.4\"", s)
		}
		nums[i] = n
	}
	return CUDAVersion{Major: nums[0], Minor: nums[1]}, nil
}

// String returns "major.minor".
func (v CUDAVersion) String() string {
	return fmt.Sprintf("%d.%d", v.Major, v.Minor)
}

// Compare returns -1, 0 or +1 as v is older than, equal to or newer than w.
func (v CUDAVersion) Compare(w CUDAVersion) int {
	return cmp.Or(cmp.Compare(v.Major, w.Major), cmp.Compare(v.Minor, w.Minor))
}

// CUDAAllowed reports whether the host driver's CUDA version may run a worker
// whose allowedCudaVersions is allowed.
//
// The semantics are RunPod's: allowedCudaVersions lists the driver CUDA
// versions (major.minor, as nvidia-smi's header shows) a worker may be
// scheduled on, so the host's version must equal one entry; being newer than
// every entry is not enough, because the list is how a worker excludes
// drivers it was not built or tested for. An empty list allows any version.
// "12.4" and "12.4.0" are the same entry. An unreadable host version or entry
// is an error (lint reports malformed lists as JW031).
func CUDAAllowed(host string, allowed []string) (bool, error) {
	if len(allowed) == 0 {
		return true, nil
	}
	hv, err := ParseCUDAVersion(host)
	if err != nil {
		return false, fmt.Errorf("host driver: %w", err)
	}
	ok := false
	for _, a := range allowed {
		av, err := ParseCUDAVersion(a)
		if err != nil {
			return false, fmt.Errorf("allowedCudaVersions: %w", err)
		}
		ok = ok || av.Compare(hv) == 0
	}
	return ok, nil
}
