package throttle

import (
	"fmt"

	"github.com/rbxemu/rbxemu/emulator/dispatch"
	"github.com/rbxemu/rbxemu/emulator/dserr"
)

// Errors of the emulator's own choosing for SetRateLimitForRequestType and
// GetRequestBudgetForRequestType, whose engine texts the reference marks
// [UNK]. They print their message alone, as Roblox's argument errors do.
// Errors lists them for the catalogue and docs.
const (
	RateLimitUnknownType = "RateLimitUnknownType"
	RateLimitNotAllowed  = "RateLimitNotAllowed"
	RateLimitOutOfRange  = "RateLimitOutOfRange"
	BudgetUnknownType    = "BudgetUnknownType"
)

// Errors are the rows of the errors above, in the shape of the dserr
// catalogue.
var Errors = []dserr.Entry{
	{ID: RateLimitUnknownType, Name: RateLimitUnknownType, Kind: dserr.Plain, Message: "SetRateLimitForRequestType: unknown request type %q", When: "a requestType that is not an Enum.DataStoreRequestType item"},
	{ID: RateLimitNotAllowed, Name: RateLimitNotAllowed, Kind: dserr.Plain, Message: "SetRateLimitForRequestType: the rate limit of %s can't be set", When: "requestType UpdateAsync or OnUpdate"},
	{ID: RateLimitOutOfRange, Name: RateLimitOutOfRange, Kind: dserr.Plain, Message: "SetRateLimitForRequestType: %s must be an integer between 0 and %d for %s", When: "baseLimit or perPlayerLimit outside the range of reference §3.3, or not an integer"},
	{ID: BudgetUnknownType, Name: BudgetUnknownType, Kind: dserr.Plain, Message: "GetRequestBudgetForRequestType: unknown request type %q", When: "a requestType that is not an Enum.DataStoreRequestType item"},
}

func newError(id string, args ...any) *dserr.Error {
	for _, e := range Errors {
		if e.ID == id {
			return &dserr.Error{ID: e.ID, Name: e.Name, Kind: e.Kind, Message: fmt.Sprintf(e.Message, args...)}
		}
	}
	panic("throttle: unknown error id " + id)
}

// dropIDs is the error of a call dropped because its queue is full, by the
// op that made it (reference §1.2 rows 301-306 and §1.3).
var dropIDs = map[string]string{
	"GetAsync":              dserr.GetAsyncThrottle,
	"SetAsync":              dserr.SetAsyncThrottle,
	"IncrementAsync":        dserr.IncreAsyncThrottle,
	"UpdateAsync":           dserr.UpdateAsyncThrottle,
	"ReadForUpdate":         dserr.UpdateAsyncThrottle,
	"GetSortedAsync":        dserr.GetSortedThrottle,
	"RemoveAsync":           dserr.RemoveAsyncThrottle,
	"GetVersionAsync":       dserr.GetVersionAsyncThrottle,
	"GetVersionAtTimeAsync": dserr.GetVersionAtTimeAsyncThrottle,
	"ListDataStoresAsync":   dserr.ListDataStoresAsyncThrottle,
	"ListKeysAsync":         dserr.ListKeysAsyncThrottle,
	"ListVersionsAsync":     dserr.ListVersionsAsyncThrottle,
	"RemoveVersionAsync":    dserr.RemoveVersionAsyncThrottle,
}

// dropError is the error of c when its queue is full. Ops without a row of
// their own (BatchGetAsync, page advances under other names) get the 2026
// <Type>GameServerThrottled of the budget they wait for.
func dropError(c *dispatch.Call, types []RequestType) error {
	id, ok := dropIDs[c.Op]
	if !ok {
		t := types[0]
		for _, u := range types {
			if queueOf[u] == queueFor(types) {
				t = u
				break
			}
		}
		if t == RemoveVersionAsync {
			id = dserr.RemoveVersionAsyncThrottle
		} else {
			id = t.String() + "GameServerThrottled"
		}
	}
	return named(dserr.New(id), c)
}

// named fills the API and data store of a Named error from the call. The
// two halves of UpdateAsync report the method the script called.
func named(e *dserr.Error, c *dispatch.Call) *dserr.Error {
	if e.Kind != dserr.Named {
		return e
	}
	api := c.Op
	if api == "ReadForUpdate" || api == "CommitUpdate" {
		api = "UpdateAsync"
	}
	return e.WithContext(api, c.Store.Name)
}
