package opencloud

// Errors: one type for every failure the door reports, the mapping of engine
// errors onto it, and the four body shapes of reference §5.5 (v2, v1
// standard, v1 ordered, gateway). A handler returns an *Error; ServeHTTP
// renders it in the shape of the API the request came through.
//
// Where the reference gives no message ([UNK]), the texts below are the
// emulator's own; docs/opencloud.md lists them.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/rbxemu/rbxemu/emulator/dserr"
	"github.com/rbxemu/rbxemu/emulator/engine"
)

// Status codes of reference §5.5, by HTTP status.
const (
	CodeInvalidArgument    = "INVALID_ARGUMENT"    // 400
	CodeNotFound           = "NOT_FOUND"           // 404
	CodeAborted            = "ABORTED"             // 409
	CodeFailedPrecondition = "FAILED_PRECONDITION" // 412 (emulator choice, see docs)
	CodeResourceExhausted  = "RESOURCE_EXHAUSTED"  // 429
	CodeCancelled          = "CANCELLED"           // 499
	CodeInternal           = "INTERNAL"            // 500
	CodeUnavailable        = "UNAVAILABLE"         // 503
)

// statusCancelled is the status of a request whose client went away.
const statusCancelled = 499

// Error is a failed request: an HTTP status, the status code name, the v1
// datastoreErrorCode (Detail) and a message. Validation, when set, turns a
// v1 standard error into ASP.NET's validation problem body (a query
// parameter that does not parse as its type).
type Error struct {
	Status     int
	Code       string
	Detail     string
	Message    string
	Validation map[string][]string
	cause      error // logged for internal errors
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func newError(status int, code, detail, msg string) *Error {
	return &Error{Status: status, Code: code, Detail: detail, Message: msg}
}

func invalid(detail, msg string) *Error {
	return newError(http.StatusBadRequest, CodeInvalidArgument, detail, msg)
}

func invalidf(detail, format string, args ...any) *Error {
	return invalid(detail, fmt.Sprintf(format, args...))
}

func notFound(detail, msg string) *Error {
	return newError(http.StatusNotFound, CodeNotFound, detail, msg)
}

// The door's own errors. Messages are fixed texts (docs/opencloud.md).
var (
	errInvalidUniverse   = invalid("InvalidUniverseId", "Invalid universe ID: it must be a positive integer.")
	errStoreName         = invalid("InvalidDataStoreName", "Invalid data store name: it must be 1 to 50 bytes long.")
	errScope             = invalid("InvalidDataStoreScope", "Invalid scope: it must be 1 to 50 bytes long.")
	errWildcardScope     = invalid("InvalidDataStoreScope", `The wildcard scope "-" can only be used to list entries.`)
	errScopeAndAllScopes = invalid("InvalidDataStoreScope", "scope and allScopes cannot both be set.")
	errEntryKey          = invalid("InvalidEntryKey", "Invalid entry key: it must be 1 to 50 bytes long.")
	errUnscopedEntryID   = invalid("InvalidEntryKey", `Invalid entry ID: an ID with "/" names "scope/key", and neither part may be empty.`)
	errCursor            = invalid("InvalidCursor", "Invalid cursor.")
	errPageToken         = invalid("InvalidCursor", "Invalid page token: it was not issued for this request, or a parameter other than pageToken changed.")
	errContentNotJSON    = invalid("ContentNotJson", "The content is not a valid JSON value in UTF-8.")
	errContentTooBig     = invalid("ContentTooBig", "The content exceeds the 4,194,304 byte limit.")
	errChecksum          = invalid("ChecksumMismatch", "The content-md5 header does not match the content.")
	errAttributes        = invalid("InvalidAttributes", "Invalid attributes: they must be a JSON object of at most 300 bytes.")
	errUserIDs           = invalid("InvalidUserIds", "Invalid user IDs: give at most 4 integer user IDs.")
	errUsers             = invalid("InvalidUserIds", `Invalid users: give at most 4 user paths, each "users/<id>" with an integer id.`)
	errExclusiveAndMatch = invalid("ExclusiveCreateAndMatchVersionCannotBeSet", "exclusiveCreate and matchVersion cannot both be set.")
	errVersionMismatch   = newError(http.StatusPreconditionFailed, CodeFailedPrecondition, "PreconditionFailed", "The entry's current version does not match matchVersion.")
	errExclusiveExists   = newError(http.StatusPreconditionFailed, CodeFailedPrecondition, "PreconditionFailed", "The entry already exists and exclusiveCreate is set.")
	errNotNumeric        = invalid("ExistingValueNotNumeric", "The entry's current value is not an integer, so it cannot be incremented.")
	errIncrementTooLarge = invalid("IncrementValueTooLarge", "The result would be above 9007199254740992, the largest integer a data store number holds exactly.")
	errIncrementTooSmall = invalid("IncrementValueTooSmall", "The result would be below -9007199254740992, the smallest integer a data store number holds exactly.")
	errIncrementAmount   = invalid("InvalidIncrementAmount", "The amount must be an integer.")
	errEntryNotFound     = notFound("EntryNotFound", "The entry was not found.")
	errVersionNotFound   = notFound("VersionNotFound", "The version was not found.")
	errRevisionNotFound  = notFound("VersionNotFound", "The revision was not found.")
	errStoreNotFound     = notFound("DatastoreNotFound", "The data store was not found.")
	errStoreDeleted      = notFound("DatastoreNotFound", "The data store is deleted.")
	errStoreAlreadyGone  = notFound("DatastoreNotFound", "The data store is already deleted.")
	errStoreNotDeleted   = invalid("DatastoreNotDeleted", "The data store is not deleted.")
	errEntryExists       = invalid("EntryAlreadyExists", "The entry already exists.")
	errEtag              = newError(http.StatusConflict, CodeAborted, "EtagMismatch", "The etag does not match the entry's current etag.")
	errContention        = newError(http.StatusConflict, CodeAborted, "Aborted", "The entry kept changing while it was being written; try again.")
	errValueRequired     = invalid("ContentNotJson", "value is required: a JSON value other than null.")
	errOrderedValue      = invalid("InvalidValue", "The value must be an integer in the 64-bit range.")
	errInvalidTimestamp  = invalid("InvalidTimestamp", "The time must be after the Unix epoch and not more than ten minutes in the future.")
	errSortOrder         = invalid("InvalidSortOrder", "sortOrder must be Ascending or Descending.")
	errStartTime         = invalid("InvalidStartTime", "startTime must be an RFC 3339 date-time.")
	errEndTime           = invalid("InvalidEndTime", "endTime must be an RFC 3339 date-time.")
	errVersionID         = invalid("InvalidVersionId", "versionId is required.")
	errOrderBy           = invalid("InvalidOrderBy", `orderBy must be "value" or "value desc".`)
	errPageSize          = invalid("InvalidLimit", "The page size must be a non-negative integer.")
	errBodyTooLarge      = invalid("ContentTooBig", "The request body is too large.")
	errUnauthorized      = newError(http.StatusUnauthorized, "", "", "Invalid API Key")
	errInternal          = newError(http.StatusInternalServerError, CodeInternal, "Unknown", "An internal error occurred.")
	errShuttingDown      = newError(http.StatusServiceUnavailable, CodeUnavailable, "Unknown", "The emulator is shutting down.")
	errCancelled         = newError(statusCancelled, CodeCancelled, "Unknown", "The request was cancelled.")
)

func errFilter(why string) *Error { return invalid("InvalidFilter", "Invalid filter: "+why) }

func errBody(why string) *Error { return invalid("InvalidRequestBody", "Invalid request body: "+why) }

func errRevision(why string) *Error { return invalid("InvalidVersionId", "Invalid revision: "+why) }

func errBadParam(name, want string) *Error {
	return invalidf("InvalidArgument", "%s must be %s.", name, want)
}

func errNoRoute(method, path string) *Error {
	return notFound("NotFound", fmt.Sprintf("No %s endpoint at %s.", method, path))
}

func errOrigin(why string) *Error {
	return newError(http.StatusForbidden, "", "", "rbxemu: "+why)
}

// validation is ASP.NET's answer to a query parameter that does not parse.
func validation(param, value string) *Error {
	e := invalid("", "One or more validation errors occurred.")
	e.Validation = map[string][]string{param: {fmt.Sprintf("The value '%s' is not valid.", value)}}
	return e
}

// isThrottle reports whether a catalogue error means "too many requests".
func isThrottle(id string) bool {
	return id == dserr.KeyThrottled || id == dserr.DatastoreThrottled ||
		strings.HasSuffix(id, "ExperienceThrottled") || strings.HasSuffix(id, "GameServerThrottled") ||
		strings.HasSuffix(id, "Throttle")
}

// fromEngine maps an engine (or gate) error onto the door's; an *Error
// passes through, anything unknown is INTERNAL (and logged).
func fromEngine(err error) *Error {
	var oe *Error
	if errors.As(err, &oe) {
		return oe
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return errCancelled
	case errors.Is(err, engine.ErrDataStoreNotFound):
		return errStoreNotFound
	case errors.Is(err, engine.ErrDataStoreNotDeleted):
		return errStoreNotDeleted
	case errors.Is(err, engine.ErrDataStoreAlreadyDeleted):
		return errStoreAlreadyGone
	}
	de, ok := dserr.As(err)
	if !ok {
		e := *errInternal
		e.cause = err
		return &e
	}
	switch de.ID {
	case dserr.StoreNameEmpty, dserr.StoreNameTooLong:
		return errStoreName
	case dserr.ScopeEmpty, dserr.ScopeTooLong, dserr.AllScopesWithScope:
		return errScope
	case dserr.KeyNameEmpty, dserr.KeyNameLimit, dserr.AllScopesKeyInvalid:
		return errEntryKey
	case dserr.CantStoreValue:
		return errContentNotJSON
	case dserr.ArgumentMissing:
		return errValueRequired
	case dserr.ValueTooLarge:
		return errContentTooBig
	case dserr.AttributeSizeTooLarge, dserr.AttributeFormatErrorMetadata:
		return errAttributes
	case dserr.UserIdLimitExceeded, dserr.AttributeFormatErrorUserID, dserr.InvalidUserIds:
		return errUserIDs
	case dserr.IncrementNonNumeric:
		return errNotNumeric
	case dserr.IncrementDeltaInvalid:
		return errIncrementAmount
	case dserr.InvalidExclusiveStartKey:
		return errCursor
	case dserr.InvalidTimestamp:
		return errInvalidTimestamp
	case dserr.ValueNotAllowed, dserr.RequestRejected:
		return errOrderedValue
	case dserr.MaxValueInvalid, dserr.MinValueInvalid:
		return errFilter("the bounds must be integers.")
	case dserr.MinMaxOrderInvalid:
		return errFilter("the minimum must not be above the maximum.")
	case dserr.DatastoreDeleted:
		return errStoreDeleted
	case dserr.ProtocolShuttingDown:
		return errShuttingDown
	}
	if isThrottle(de.ID) {
		return newError(http.StatusTooManyRequests, CodeResourceExhausted, "TooManyRequests", de.Message)
	}
	e := *errInternal
	e.cause = err
	return &e
}

// forFlavour words an error as the request's API names things: v2 speaks
// of page tokens and user paths, v1 of cursors and user ids.
func forFlavour(fl flavour, e *Error) *Error {
	if fl != flavourV2 {
		return e
	}
	switch e {
	case errCursor:
		return errPageToken
	case errUserIDs:
		return errUsers
	}
	return e
}

// Bodies of reference §5.5.

type v2ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details []any  `json:"details"`
}

type v1ErrorDetail struct {
	ErrorDetailType    string `json:"errorDetailType"`
	DatastoreErrorCode string `json:"datastoreErrorCode"`
}

type v1ErrorBody struct {
	Error        string          `json:"error"`
	Message      string          `json:"message"`
	ErrorDetails []v1ErrorDetail `json:"errorDetails"`
}

type v1OrderedErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type gatewayError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type gatewayBody struct {
	Errors []gatewayError `json:"errors"`
}

type validationBody struct {
	Errors     map[string][]string `json:"errors"`
	Type       string              `json:"type"`
	Title      string              `json:"title"`
	Status     int                 `json:"status"`
	Extensions map[string]string   `json:"extensions"`
}

// render writes e in the shape of the API flavour fl.
func render(w http.ResponseWriter, fl flavour, e *Error) {
	if e.Code == "" { // the gateway's own (auth, origin)
		writeJSON(w, e.Status, gatewayBody{Errors: []gatewayError{{Code: 0, Message: e.Message}}})
		return
	}
	switch fl {
	case flavourV1Standard:
		if e.Validation != nil {
			w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
			writeJSONRaw(w, e.Status, validationBody{
				Errors:     e.Validation,
				Type:       "https://tools.ietf.org/html/rfc9110#section-15.5.1",
				Title:      "One or more validation errors occurred.",
				Status:     e.Status,
				Extensions: map[string]string{"traceId": traceID()},
			})
			return
		}
		details := []v1ErrorDetail{}
		if e.Detail != "" {
			details = append(details, v1ErrorDetail{ErrorDetailType: "DatastoreErrorInfo", DatastoreErrorCode: e.Detail})
		}
		writeJSON(w, e.Status, v1ErrorBody{Error: e.Code, Message: e.Message, ErrorDetails: details})
	case flavourV1Ordered:
		writeJSON(w, e.Status, v1OrderedErrorBody{Code: e.Code, Message: e.Message})
	default:
		writeJSON(w, e.Status, v2ErrorBody{Code: e.Code, Message: e.Message, Details: []any{}})
	}
}

// traceID is a W3C trace context id, as ASP.NET puts in its problems.
func traceID() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return "00-" + h[:32] + "-" + h[32:] + "-00"
}
