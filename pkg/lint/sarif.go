package lint

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// SARIF 2.1.0, the subset janitor writes.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool              sarifTool         `json:"tool"`
	AutomationDetails *sarifAutomation  `json:"automationDetails,omitempty"`
	Properties        map[string]any    `json:"properties,omitempty"`
	Results           []sarifResult     `json:"results"`
	Invocations       []sarifInvocation `json:"invocations,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	ShortDescription     sarifText         `json:"shortDescription"`
	FullDescription      sarifText         `json:"fullDescription"`
	Help                 sarifText         `json:"help"`
	HelpURI              string            `json:"helpUri"`
	DefaultConfiguration sarifRuleConfig   `json:"defaultConfiguration"`
	Properties           map[string]string `json:"properties"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifAutomation struct {
	ID string `json:"id"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	ToolExecutionNotes  []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifResult struct {
	RuleID       string             `json:"ruleId"`
	RuleIndex    int                `json:"ruleIndex"`
	Level        string             `json:"level"`
	Message      sarifText          `json:"message"`
	Locations    []sarifLocation    `json:"locations,omitempty"`
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
	Properties   map[string]string  `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifAL      `json:"artifactLocation"`
	Region           *sarifRegion `json:"region,omitempty"`
}

type sarifAL struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifSuppression struct {
	Kind string `json:"kind"`
}

// RulesURL is where the rule documentation lives; SARIF helpUri points at
// each rule's anchor.
const RulesURL = "https://github.com/runpod-workers/janitor/blob/main/docs/rules.md"

func sarifLevel(s Severity) string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "note"
}

// WriteSARIF writes the results as a SARIF 2.1.0 log, one run per
// repository, with the whole rule catalogue in each run's driver. Suppressed
// findings are included with an external suppression; version is janitor's.
func WriteSARIF(w io.Writer, results []Result, version string) error {
	rules := make([]sarifRule, 0, len(catalogue))
	index := map[string]int{}
	for i, r := range catalogue {
		index[r.ID] = i
		rules = append(rules, sarifRule{
			ID:                   r.ID,
			ShortDescription:     sarifText{Text: r.Title},
			FullDescription:      sarifText{Text: r.Why},
			Help:                 sarifText{Text: r.Fix},
			HelpURI:              RulesURL + "#" + strings.ToLower(r.ID),
			DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(r.Severity)},
			Properties:           map[string]string{"group": r.Group},
		})
	}
	log := sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{}}
	for _, res := range results {
		run := sarifRun{
			Tool:              sarifTool{Driver: sarifDriver{Name: "janitor", InformationURI: "https://github.com/runpod-workers/janitor", Version: version, Rules: rules}},
			AutomationDetails: &sarifAutomation{ID: "janitor-lint/" + res.Repository + "/"},
			Properties:        map[string]any{"repository": res.Repository},
			Results:           []sarifResult{},
		}
		if res.CommitSHA != "" {
			run.Properties["commit_sha"] = res.CommitSHA
		}
		inv := sarifInvocation{ExecutionSuccessful: res.Err == nil}
		if res.Err != nil {
			inv.ToolExecutionNotes = []sarifNotification{{Level: "error", Message: sarifText{Text: res.Err.Error()}}}
		}
		run.Invocations = []sarifInvocation{inv}
		if res.Report != nil {
			for _, f := range res.Report.Findings {
				run.Results = append(run.Results, sarifFinding(f, index, false))
			}
			for _, f := range res.Report.Suppressed {
				run.Results = append(run.Results, sarifFinding(f, index, true))
			}
		}
		log.Runs = append(log.Runs, run)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(log); err != nil {
		return fmt.Errorf("write SARIF: %w", err)
	}
	return nil
}

func sarifFinding(f Finding, index map[string]int, suppressed bool) sarifResult {
	r := sarifResult{
		RuleID:     f.RuleID,
		RuleIndex:  index[f.RuleID],
		Level:      sarifLevel(f.Severity),
		Message:    sarifText{Text: f.Message},
		Properties: map[string]string{"remediation": f.Remediation},
	}
	if f.File != "" {
		loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifAL{URI: uriPath(f.File), URIBaseID: "SRCROOT"}}}
		if f.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.Line}
		}
		r.Locations = []sarifLocation{loc}
	}
	if suppressed {
		r.Suppressions = []sarifSuppression{{Kind: "external"}}
	}
	return r
}

// uriPath escapes a repository path for a SARIF URI reference (relative
// to the repository root, SRCROOT).
func uriPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
