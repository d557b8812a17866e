// Package dserr is the one catalogue of Roblox DataStore errors: every code, name
// and message the emulator can raise, and the single place that formats them.
//
// The texts follow design decision 1: numbered errors read "<code>: <message>"
// with the wording the engine prints at runtime (reference §1.2, the "observed"
// column, else the 2023 docs); unnumbered errors read
// "DataStoreService: <Name>: <message> API: <Method>, Data Store: <store>".
// Argument errors that Roblox raises as bare text (an empty store name, a bad
// cursor page) have Code 0 and no Name and print their message alone.
//
// Doors never build error text themselves: they carry Code, Name and Message
// (and the exact Error() string) to the client.
package dserr

import (
	"errors"
	"fmt"
)

// Kind says how an error is formatted.
type Kind int

const (
	// Numbered errors print as "<code>: <message>".
	Numbered Kind = iota
	// Named errors (no code) print as
	// "DataStoreService: <Name>: <message> API: <Method>, Data Store: <store>".
	Named
	// Plain errors print their message alone (argument errors).
	Plain
)

// Entry is one row of the catalogue. Message may hold %s / %d verbs, filled
// by New's arguments.
type Entry struct {
	Code int `json:"code"`
	// ID is unique in the catalogue; Name is Roblox's name, which several
	// rows share (InternalError, AttributeFormatError).
	ID      string `json:"id"`
	Name    string `json:"name"`
	Kind    Kind   `json:"-"`
	Message string `json:"message"`
	// When says, for people, when Roblox raises it.
	When string `json:"when"`
}

// Error is the typed error every engine function returns.
type Error struct {
	Code    int
	ID      string
	Name    string
	Kind    Kind
	Message string
	// API and Store fill the suffix of Named errors. The engine sets them
	// where it knows them; a door may fill them with WithContext.
	API   string
	Store string
}

// Error formats the error exactly as Roblox raises it.
func (e *Error) Error() string {
	switch e.Kind {
	case Numbered:
		return fmt.Sprintf("%d: %s", e.Code, e.Message)
	case Named:
		return fmt.Sprintf("DataStoreService: %s: %s API: %s, Data Store: %s", e.Name, e.Message, e.API, e.Store)
	default:
		return e.Message
	}
}

// Is lets errors.Is match by name: errors.Is(err, dserr.New(dserr.KeyNameEmpty)).
func (e *Error) Is(target error) bool {
	var t *Error
	if !errors.As(target, &t) {
		return false
	}
	return t.ID == e.ID
}

// WithContext returns a copy naming the API method and data store (used by
// Named errors; harmless on the others).
func (e *Error) WithContext(api, store string) *Error {
	c := *e
	if c.API == "" {
		c.API = api
	}
	if c.Store == "" {
		c.Store = store
	}
	return &c
}

// New builds the error for a catalogue ID, filling the message's verbs.
// It panics on an unknown name: that is a programming error caught by tests.
func New(id string, args ...any) *Error {
	e, ok := byID[id]
	if !ok {
		panic("dserr: unknown error id " + id)
	}
	msg := e.Message
	if len(args) > 0 {
		msg = fmt.Sprintf(msg, args...)
	}
	return &Error{Code: e.Code, ID: e.ID, Name: e.Name, Kind: e.Kind, Message: msg}
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Lookup finds a catalogue row by ID.
func Lookup(id string) (Entry, bool) {
	e, ok := byID[id]
	return e, ok
}

// LookupCode finds the first catalogue row with a numeric code.
func LookupCode(code int) (Entry, bool) {
	for _, e := range Catalogue {
		if e.Code == code && code != 0 {
			return e, true
		}
	}
	return Entry{}, false
}

// IDs of every catalogue row. Most are Roblox's own names; rows whose Roblox
// name is shared (InternalError, AttributeFormatError) or absent get an ID of
// their own and carry Roblox's name in Entry.Name.
const (
	KeyNameEmpty                 = "KeyNameEmpty"
	KeyNameLimit                 = "KeyNameLimit"
	ValueNotAllowed              = "ValueNotAllowed"
	CantStoreValue               = "CantStoreValue"
	ValueTooLarge                = "ValueTooLarge"
	MaxValueInvalid              = "MaxValueInvalid"
	MinValueInvalid              = "MinValueInvalid"
	PageSizeGreater              = "PageSizeGreater"
	PageSizeLesser               = "PageSizeLesser"
	MinMaxOrderInvalid           = "MinMaxOrderInvalid"
	GetAsyncThrottle             = "GetAsyncThrottle"
	SetAsyncThrottle             = "SetAsyncThrottle"
	IncreAsyncThrottle           = "IncreAsyncThrottle"
	UpdateAsyncThrottle          = "UpdateAsyncThrottle"
	TransformThrottle            = "TransformThrottle"
	GetSortedThrottle            = "GetSortedThrottle"
	RemoveAsyncThrottle          = "RemoveAsyncThrottle"
	DataModelNoAccess            = "DataModelNoAccess"
	LuaWebSrvsNoAccess           = "LuaWebSrvsNoAccess"
	StudioAccessToApisNotAllowed = "StudioAccessToApisNotAllowed"
	OrderedStoreMissing          = "InternalError404"
	ResponseCorrupted            = "InternalError501"
	RequestRejected              = "RequestRejected"
	KeyMissing                   = "InternalError503"
	ResponseMalformed            = "InternalError504"
	OrderedResponseMalformed     = "InternalError505"
	OperationNotAllowed          = "OperationNotAllowed"
	AttributeSizeTooLarge        = "AttributeSizeTooLarge"
	UserIdLimitExceeded          = "UserIdLimitExceeded"
	AttributeFormatErrorUserID   = "AttributeFormatError"
	AttributeFormatErrorMetadata = "AttributeFormatErrorMetadata"
	UserIdsNotAllowed            = "AdditionalParameterUserIds"
	OptionsNotAllowed            = "AdditionalParameterOptions"

	GetVersionAsyncThrottle       = "GetVersionAsyncThrottle"
	GetVersionAtTimeAsyncThrottle = "GetVersionAtTimeAsyncThrottle"
	ListDataStoresAsyncThrottle   = "ListDataStoresAsyncThrottle"
	ListKeysAsyncThrottle         = "ListKeysAsyncThrottle"
	ListVersionsAsyncThrottle     = "ListVersionsAsyncThrottle"
	RemoveVersionAsyncThrottle    = "RemoveVersionAsyncThrottle"
	InvalidTimestamp              = "InvalidTimestamp"

	DatastoreDeleted         = "DatastoreDeleted"
	DatastoreThrottled       = "DatastoreThrottled"
	InternalServerError      = "InternalServerError"
	InvalidExclusiveStartKey = "InvalidExclusiveStartKey"
	InvalidPlace             = "InvalidPlace"
	InvalidTarget            = "InvalidTarget"
	InvalidUniverse          = "InvalidUniverse"
	InvalidUserIds           = "InvalidUserIds"
	KeyThrottled             = "KeyThrottled"
	KeyNotFound              = "KeyNotFound"

	NoPagesToAdvance        = "NoPagesToAdvance"
	StoreNameEmpty          = "StoreNameEmpty"
	StoreNameTooLong        = "StoreNameTooLong"
	ScopeEmpty              = "ScopeEmpty"
	ScopeTooLong            = "ScopeTooLong"
	AllScopesWithScope      = "AllScopesWithScope"
	AllScopesKeyInvalid     = "AllScopesKeyInvalid"
	IncrementNonNumeric     = "IncrementNonNumeric"
	IncrementDeltaInvalid   = "IncrementDeltaInvalid"
	BatchGetOnStandardStore = "BatchGetOnStandardStore"
	BatchGetKeyCount        = "BatchGetKeyCount"
	VersionNotFound         = "VersionNotFound"
	ArgumentMissing         = "ArgumentMissing"

	// Protocol errors: the emulator's own, for requests that never reach
	// Roblox semantics. Each names what was wrong; none changes anything.
	ProtocolMalformed    = "MalformedRequest"
	ProtocolUnknownOp    = "UnknownOp"
	ProtocolMissingField = "MissingField"
	ProtocolWrongType    = "WrongFieldType"
	ProtocolUnknownField = "UnknownField"
	ProtocolTooLarge     = "RequestTooLarge"
	ProtocolNoSession    = "NoSession"
	ProtocolUnauthorized = "Unauthorized"
	ProtocolBadArgument  = "BadArgument"
	ProtocolShuttingDown = "ShuttingDown"
)

// throttled builds the experience and game-server rows of reference §1.4.
func throttled() []Entry {
	var out []Entry
	for _, t := range []string{"StandardRead", "StandardWrite", "StandardList", "StandardRemove", "OrderedRead", "OrderedWrite", "OrderedList", "OrderedRemove"} {
		out = append(out,
			Entry{ID: t + "ExperienceThrottled", Kind: Named, Message: t + " request was throttled by experience limits.", When: "the experience-wide limit for " + t + " is used up (reference §3.7)"},
			Entry{ID: t + "GameServerThrottled", Kind: Named, Message: t + " request was throttled by game server limits or the request queue was full.", When: "the game server's " + t + " budget is used up and its queue is full"},
		)
	}
	return out
}

// Catalogue is every error the emulator raises, in reference order.
var Catalogue = append([]Entry{
	{Code: 101, ID: KeyNameEmpty, Kind: Numbered, Message: "Key name can't be empty.", When: "the key is \"\""},
	{Code: 102, ID: KeyNameLimit, Kind: Numbered, Message: "Key name exceeds the 50 character limit.", When: "the key is longer than 50 bytes"},
	{Code: 103, ID: ValueNotAllowed, Kind: Numbered, Message: "%s is not allowed in data stores.", When: "an OrderedDataStore value is not an integer (the type is filled in: double, Array, Dictionary, ...)"},
	{Code: 104, ID: CantStoreValue, Kind: Numbered, Message: "Cannot store %s in data store. Data stores can only accept valid UTF-8 characters.", When: "a value does not serialize; a bad value inside a table names the container (Array or Dictionary)"},
	{Code: 105, ID: ValueTooLarge, Kind: Numbered, Message: "Serialized value exceeds 4MB limit.", When: "the compact JSON of the value is longer than 4,194,304 bytes"},
	{Code: 106, ID: MaxValueInvalid, Kind: Numbered, Message: "MaxValue and MinValue must be integers.", When: "GetSortedAsync maxValue is not an integer"},
	{Code: 106, ID: MinValueInvalid, Kind: Numbered, Message: "MaxValue and MinValue must be integers.", When: "GetSortedAsync minValue is not an integer"},
	{Code: 106, ID: PageSizeGreater, Kind: Numbered, Message: "PageSize must be within predefined range.", When: "GetSortedAsync pageSize is below 1"},
	{Code: 106, ID: PageSizeLesser, Kind: Numbered, Message: "PageSize must be within predefined range.", When: "GetSortedAsync pageSize is above 100"},
	{Code: 107, ID: MinMaxOrderInvalid, Kind: Numbered, Message: "MaxValue must be greater than or equal to MinValue.", When: "GetSortedAsync maxValue < minValue"},
	{Code: 301, ID: GetAsyncThrottle, Kind: Numbered, Message: "GetAsync request dropped. Request was throttled, but throttled request queue was full.", When: "the Get queue is full"},
	{Code: 302, ID: SetAsyncThrottle, Kind: Numbered, Message: "SetAsync request dropped. Request was throttled, but throttled request queue was full.", When: "the Set queue is full"},
	{Code: 303, ID: IncreAsyncThrottle, Kind: Numbered, Message: "IncrementAsync request dropped. Request was throttled, but throttled request queue was full.", When: "the Set queue is full (IncrementAsync)"},
	{Code: 304, ID: UpdateAsyncThrottle, Kind: Numbered, Message: "UpdateAsync request dropped. Request was throttled, but throttled request queue was full.", When: "the queue is full (UpdateAsync)"},
	{Code: 304, ID: TransformThrottle, Kind: Numbered, Message: "UpdateAsync request dropped. Request was throttled, but throttled request queue was full.", When: "the queue is full (UpdateAsync transform)"},
	{Code: 305, ID: GetSortedThrottle, Kind: Numbered, Message: "GetSorted request dropped. Request was throttled, but throttled request queue was full.", When: "the Ordered get queue is full (GetSortedAsync)"},
	{Code: 306, ID: RemoveAsyncThrottle, Kind: Numbered, Message: "RemoveAsync request dropped. Request was throttled, but throttled request queue was full.", When: "the Set queue is full (RemoveAsync)"},
	{Code: 401, ID: DataModelNoAccess, Kind: Numbered, Message: "Request Failed. DataModel Inaccessible when the game is shutting down.", When: "the server is shutting down"},
	{Code: 402, ID: LuaWebSrvsNoAccess, Kind: Numbered, Message: "Request Failed. LuaWebService Inaccessible when the game is shutting down.", When: "the server is shutting down"},
	{Code: 403, ID: StudioAccessToApisNotAllowed, Kind: Numbered, Message: "Cannot write to DataStore from Studio if API access is not enabled.", When: "Studio without API access"},
	{Code: 404, ID: OrderedStoreMissing, Name: "InternalError", Kind: Numbered, Message: "OrderedDataStore does not exist.", When: "internal error"},
	{Code: 501, ID: ResponseCorrupted, Name: "InternalError", Kind: Numbered, Message: "Can't parse response, data may be corrupted.", When: "internal error"},
	{Code: 502, ID: RequestRejected, Kind: Numbered, Message: "API Services rejected request with error. %s", When: "the backend returned an error"},
	{Code: 503, ID: KeyMissing, Name: "InternalError", Kind: Numbered, Message: "Data store request successful, but key not found.", When: "internal error"},
	{Code: 504, ID: ResponseMalformed, Name: "InternalError", Kind: Numbered, Message: "Data store request successful, but response not formatted correctly.", When: "internal error"},
	{Code: 505, ID: OrderedResponseMalformed, Name: "InternalError", Kind: Numbered, Message: "OrderedDataStore request successful, but response not formatted correctly.", When: "internal error"},
	{Code: 509, ID: OperationNotAllowed, Kind: Numbered, Message: "Data store operations are blocked while running on a Personal RCC to prevent possible data corruption.", When: "private RCC"},
	{Code: 511, ID: AttributeSizeTooLarge, Kind: Numbered, Message: "Metadata attribute size exceeds 300 bytes limit.", When: "the compact JSON of the metadata is longer than 300 bytes"},
	{Code: 512, ID: UserIdLimitExceeded, Kind: Numbered, Message: "UserID size exceeds limit of 4", When: "more than 4 user ids"},
	{Code: 513, ID: AttributeFormatErrorUserID, Kind: Numbered, Message: "Attribute userId format is invalid", When: "a user id is not an integer"},
	{Code: 513, ID: AttributeFormatErrorMetadata, Name: "AttributeFormatError", Kind: Numbered, Message: "Attribute metadata format is invalid.", When: "metadata is not a table"},
	{Code: 517, ID: UserIdsNotAllowed, Name: "AdditionalParameterNotAllowed", Kind: Numbered, Message: "Additional parameter UserIds not allowed", When: "userIds passed to an OrderedDataStore write"},
	{Code: 517, ID: OptionsNotAllowed, Name: "AdditionalParameterNotAllowed", Kind: Numbered, Message: "Additional parameter Options not allowed", When: "options passed to an OrderedDataStore write"},

	{Code: 0, ID: GetVersionAsyncThrottle, Kind: Named, Message: "GetVersionAsync request dropped. Request was throttled.", When: "GetVersionAsync queue full"},
	{Code: 0, ID: GetVersionAtTimeAsyncThrottle, Kind: Named, Message: "GetVersionAtTimeAsync request dropped. Request was throttled.", When: "GetVersionAtTimeAsync queue full"},
	{Code: 0, ID: ListDataStoresAsyncThrottle, Kind: Named, Message: "ListDataStoresAsync request dropped. Request was throttled.", When: "ListDataStoresAsync queue full"},
	{Code: 0, ID: ListKeysAsyncThrottle, Kind: Named, Message: "ListKeysAsync request dropped. Request was throttled.", When: "ListKeysAsync queue full"},
	{Code: 0, ID: ListVersionsAsyncThrottle, Kind: Named, Message: "ListVersionsAsync request dropped. Request was throttled.", When: "ListVersionsAsync queue full"},
	{Code: 0, ID: RemoveVersionAsyncThrottle, Kind: Named, Message: "RemoveVersionAsync request dropped. Request was throttled.", When: "RemoveVersionAsync queue full"},
	{Code: 0, ID: InvalidTimestamp, Kind: Named, Message: "Timestamp must be positive and not more than ten minutes in the future.", When: "GetVersionAtTimeAsync timestamp <= 0 or more than 10 minutes ahead"},

	{Code: 0, ID: DatastoreDeleted, Kind: Named, Message: "The data store is deleted.", When: "the data store was deleted through Open Cloud"},
	{Code: 0, ID: DatastoreThrottled, Kind: Named, Message: "The request rate exceeds the allowed maximum for the `datastore`.", When: "too many requests to one data store"},
	{Code: 0, ID: InternalServerError, Kind: Named, Message: "An internal server error occurred.", When: "the backend failed"},
	{Code: 0, ID: InvalidExclusiveStartKey, Kind: Named, Message: "The provided exclusive start key is not valid.", When: "a listing cursor that the emulator did not issue"},
	{Code: 0, ID: InvalidPlace, Kind: Named, Message: "The provided place is invalid.", When: "bad place id"},
	{Code: 0, ID: InvalidTarget, Kind: Named, Message: "The provided target is invalid.", When: "bad target"},
	{Code: 0, ID: InvalidUniverse, Kind: Named, Message: "The provided universe is invalid.", When: "bad universe id"},
	{Code: 0, ID: InvalidUserIds, Kind: Named, Message: "The provided user IDs have an invalid format.", When: "bad user ids"},
	{Code: 0, ID: KeyThrottled, Kind: Named, Message: "The request rate exceeds the allowed maximum for the key.", When: "per-key throughput exceeded (25 MB read, 4 MB write per 60 s)"},
	{Code: 0, ID: KeyNotFound, Kind: Named, Message: "The requested key doesn't exist.", When: "the key does not exist"},
}, append(throttled(), []Entry{
	{Code: 0, ID: NoPagesToAdvance, Name: "N/A", Kind: Plain, Message: "No pages to advance to.", When: "AdvanceToNextPageAsync on the last page"},
	{Code: 0, ID: StoreNameEmpty, Kind: Plain, Message: "DataStore name can't be empty string", When: "GetDataStore with name \"\""},
	{Code: 0, ID: StoreNameTooLong, Kind: Plain, Message: "DataStore name is too long", When: "GetDataStore with a name longer than 50 bytes"},
	{Code: 0, ID: ScopeEmpty, Kind: Plain, Message: "DataStore scope can't be empty string", When: "GetDataStore with scope \"\" (without AllScopes)"},
	{Code: 0, ID: ScopeTooLong, Kind: Plain, Message: "DataStore scope is too long", When: "GetDataStore with a scope longer than 50 bytes"},
	{Code: 0, ID: AllScopesWithScope, Kind: Plain, Message: "DataStore scope should be an empty string allScopes is set to true", When: "AllScopes with a non-empty scope"},
	{Code: 0, ID: AllScopesKeyInvalid, Kind: Plain, Message: "The provided object key is invalid.", When: "AllScopes key without a \"/\""},
	{Code: 0, ID: IncrementNonNumeric, Kind: Plain, Message: "IncrementAsync: Cannot increment a non-integer value.", When: "IncrementAsync on a stored value that is not an integer (emulator choice; see docs/decisions.md)"},
	{Code: 0, ID: IncrementDeltaInvalid, Kind: Plain, Message: "IncrementAsync: delta must be an integer.", When: "IncrementAsync with a delta that is not an integer (emulator choice)"},
	{Code: 0, ID: BatchGetOnStandardStore, Kind: Plain, Message: "BatchGetAsync is only supported on OrderedDataStore.", When: "BatchGetAsync on a standard data store (emulator choice)"},
	{Code: 0, ID: BatchGetKeyCount, Kind: Plain, Message: "BatchGetAsync requires between 1 and 100 keys.", When: "BatchGetAsync with no keys or more than 100 (emulator choice)"},
	{Code: 0, ID: VersionNotFound, Kind: Plain, Message: "The requested version doesn't exist.", When: "GetVersionAsync/RemoveVersionAsync with an unknown version (emulator choice)"},
	{Code: 0, ID: ArgumentMissing, Kind: Plain, Message: "Argument %d missing or nil", When: "a required argument is nil"},

	{Code: 0, ID: ProtocolMalformed, Kind: Plain, Message: "rbxemu: malformed request: %s", When: "a frame or body that is not one JSON object"},
	{Code: 0, ID: ProtocolUnknownOp, Kind: Plain, Message: "rbxemu: unknown op %q", When: "an op the daemon does not know"},
	{Code: 0, ID: ProtocolMissingField, Kind: Plain, Message: "rbxemu: %s: missing field %q", When: "a required field is absent"},
	{Code: 0, ID: ProtocolWrongType, Kind: Plain, Message: "rbxemu: %s: field %q must be %s", When: "a field has the wrong JSON type"},
	{Code: 0, ID: ProtocolUnknownField, Kind: Plain, Message: "rbxemu: %s: unknown field %q", When: "a field the op does not take"},
	{Code: 0, ID: ProtocolTooLarge, Kind: Plain, Message: "rbxemu: request of %d bytes exceeds the %d byte limit", When: "a frame or body larger than a 4 MB value plus envelope"},
	{Code: 0, ID: ProtocolNoSession, Kind: Plain, Message: "rbxemu: no session: send hello first", When: "a request before hello, or an unknown session id"},
	{Code: 0, ID: ProtocolUnauthorized, Kind: Plain, Message: "rbxemu: missing or wrong token", When: "--token is set and the request lacks it"},
	{Code: 0, ID: ProtocolBadArgument, Kind: Plain, Message: "rbxemu: %s: %s", When: "an argument outside what the op accepts (other than Roblox's own errors)"},
	{Code: 0, ID: ProtocolShuttingDown, Kind: Plain, Message: "rbxemu: the daemon is shutting down", When: "a request arriving during shutdown"},
}...)...)

var byID = func() map[string]Entry {
	m := make(map[string]Entry, len(Catalogue))
	for i, e := range Catalogue {
		if e.Name == "" {
			e.Name = e.ID
			Catalogue[i].Name = e.ID
		}
		if _, dup := m[e.ID]; dup {
			panic("dserr: duplicate id " + e.ID)
		}
		m[e.ID] = e
	}
	return m
}()

// Text renders a catalogue row as Roblox prints it, with placeholder
// arguments left as verbs; used for documentation and testdata.
func (e Entry) Text() string {
	return (&Error{Code: e.Code, ID: e.ID, Name: e.Name, Kind: e.Kind, Message: e.Message, API: "<Method>", Store: "<store>"}).Error()
}

// KindName is the JSON name of a Kind.
func (k Kind) String() string {
	return [...]string{"numbered", "named", "plain"}[k]
}
