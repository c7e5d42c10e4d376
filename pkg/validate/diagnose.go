package validate

import (
	"regexp"
	"strings"
)

// cause is a known reason for a failed build or run, told from its log.
type cause int

const (
	causeNone cause = iota
	causeDisk
	causeGPUMemory
	causeMemory
	causeCUDA
	causeBaseImage
	causeCopySource
	causeTestInput
	causeSecret
	causeEnv
	causeNetwork
	causeHandler
)

// diagnosis is a cause with the log line that shows it.
type diagnosis struct {
	cause    cause
	evidence string
	// name is the environment variable of causeEnv and causeSecret.
	name string
}

// needsNetwork reports whether the failure is the environment's (no network,
// no secret) rather than the repository's.
func (d diagnosis) needsNetwork() bool {
	return d.cause == causeNetwork || d.cause == causeSecret
}

type pattern struct {
	cause cause
	re    *regexp.Regexp
	// buildOnly patterns only make sense in a build log, runOnly ones in a
	// container log.
	buildOnly bool
	runOnly   bool
}

// patterns are checked in order; the first that matches any line wins, so
// the more specific causes come first. A missing environment variable is
// checked just before the network (the last pattern).
var patterns = []pattern{
	{cause: causeDisk, re: regexp.MustCompile(`(?i)no space left on device`)},
	{cause: causeGPUMemory, re: regexp.MustCompile(`CUDA out of memory|OutOfMemoryError: CUDA|torch\.OutOfMemoryError|CUDA error: out of memory`)},
	{cause: causeMemory, re: regexp.MustCompile(`^Killed$|(^|\s)MemoryError\b|Cannot allocate memory|std::bad_alloc`)},
	{cause: causeCUDA, re: regexp.MustCompile(`CUDA driver version is insufficient|no kernel image is available for execution|forward compatibility was attempted on non supported HW|NVIDIA driver on your system is too old|unsatisfied condition: cuda|Found no NVIDIA driver`)},
	// BuildKit's words for a COPY/ADD source missing from the context.
	{cause: causeCopySource, buildOnly: true, re: regexp.MustCompile(`failed to compute cache key: .*not found|failed to calculate checksum of ref .*not found|COPY failed: .*no such file or directory`)},
	{cause: causeBaseImage, buildOnly: true, re: regexp.MustCompile(`pull access denied|manifest unknown|failed to resolve source metadata|repository does not exist or may require|docker\.io/\S+: not found$`)},
	{cause: causeTestInput, re: regexp.MustCompile(`test_input\.json not found`)},
	{cause: causeNetwork, re: regexp.MustCompile(`Temporary failure in name resolution|Name or service not known|nodename nor servname|Could not resolve host|getaddrinfo failed|Network is unreachable|Failed to establish a new connection|Max retries exceeded|Connection refused|couldn't connect to 'https://huggingface\.co'|HfHubHTTPError|LocalEntryNotFoundError|huggingface_hub\.errors|ConnectTimeout|No route to host`)},
	// The SDK's own report of a handler that raised or returned an error:
	// the least specific cause, so it comes last.
	{cause: causeHandler, runOnly: true, re: regexp.MustCompile(`Job \S+ failed with error: .+`)},
}

var (
	keyErrorEnv = regexp.MustCompile(`KeyError: '([A-Z][A-Z0-9_]*)'`)
	envNotSet   = regexp.MustCompile(`(?i)(?:environment variable|env var)\s+'?"?([A-Z][A-Z0-9_]*)'?"?\s+(?:is not set|is required|not set|is missing|missing|must be set)`)
	secretName  = regexp.MustCompile(`TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|ACCESS_KEY|_KEY$|CREDENTIAL`)
	loopback    = regexp.MustCompile(`127\.0\.0\.1|localhost|0\.0\.0\.0|\[::1\]`)
)

// diagnose finds the known cause of a failure in a log. build says the log
// is a build log.
func diagnose(log string, build bool) diagnosis {
	lines := strings.Split(log, "\n")
	for _, p := range patterns {
		if (p.buildOnly && !build) || (p.runOnly && build) {
			continue
		}
		if p.cause == causeNetwork {
			// A missing environment variable explains more than the
			// network errors that may follow it.
			if d, ok := missingEnv(log, lines); ok {
				return d
			}
		}
		for i := len(lines) - 1; i >= 0; i-- {
			l := strings.TrimSpace(lines[i])
			if !p.re.MatchString(l) {
				continue
			}
			if p.cause == causeNetwork && loopback.MatchString(l) {
				// A worker waiting for its own server (ComfyUI,
				// vLLM) on loopback is not a network problem.
				continue
			}
			return diagnosis{cause: p.cause, evidence: clip(l, 300)}
		}
	}
	return diagnosis{}
}

// missingEnv finds an environment variable the program needed at start-up.
func missingEnv(log string, lines []string) (diagnosis, bool) {
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		name := ""
		if m := keyErrorEnv.FindStringSubmatch(l); m != nil && (strings.Contains(log, "environ") || strings.Contains(log, "<frozen os>")) {
			name = m[1]
		} else if m := envNotSet.FindStringSubmatch(l); m != nil {
			name = m[1]
		}
		if name == "" {
			continue
		}
		c := causeEnv
		if secretName.MatchString(name) {
			c = causeSecret
		}
		return diagnosis{cause: c, evidence: clip(l, 300), name: name}, true
	}
	return diagnosis{}, false
}
