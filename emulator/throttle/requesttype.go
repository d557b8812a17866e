package throttle

// Enum.DataStoreRequestType (reference §3.1), the 2026 per-server defaults
// (§3.2), the SetRateLimitForRequestType ranges (§3.3), the experience
// limits (§3.7) and the emulator's choices that tie them together: which
// modern budget a legacy item reads and sets, and which queue a budget's
// calls wait in. docs/throttling.md has the same tables for people.

import (
	"strconv"
	"strings"
)

// RequestType is an Enum.DataStoreRequestType item; its value is the enum
// value Roblox gives it.
type RequestType int

// The enum items, in value order. Items 0..8 are the legacy ones, 9..16 the
// modern ones that the 2026 limits name.
const (
	GetAsync RequestType = iota
	SetIncrementAsync
	UpdateAsync
	GetSortedAsync
	SetIncrementSortedAsync
	OnUpdate
	ListAsync
	GetVersionAsync
	RemoveVersionAsync
	StandardRead
	StandardWrite
	StandardList
	StandardRemove
	OrderedRead
	OrderedWrite
	OrderedList
	OrderedRemove

	numRequestTypes
)

var requestTypeNames = [numRequestTypes]string{
	"GetAsync", "SetIncrementAsync", "UpdateAsync", "GetSortedAsync",
	"SetIncrementSortedAsync", "OnUpdate", "ListAsync", "GetVersionAsync",
	"RemoveVersionAsync", "StandardRead", "StandardWrite", "StandardList",
	"StandardRemove", "OrderedRead", "OrderedWrite", "OrderedList", "OrderedRemove",
}

// String is the enum item's name.
func (t RequestType) String() string {
	if t < 0 || t >= numRequestTypes {
		return "RequestType(" + strconv.Itoa(int(t)) + ")"
	}
	return requestTypeNames[t]
}

// RequestTypes lists every enum item in value order.
func RequestTypes() []RequestType {
	out := make([]RequestType, numRequestTypes)
	for i := range out {
		out[i] = RequestType(i)
	}
	return out
}

// ParseRequestType accepts an item's name ("StandardRead"), its full path
// ("Enum.DataStoreRequestType.StandardRead") or its value ("9").
func ParseRequestType(s string) (RequestType, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "Enum.DataStoreRequestType.")
	if n, err := strconv.Atoi(s); err == nil {
		if n >= 0 && n < int(numRequestTypes) {
			return RequestType(n), true
		}
		return 0, false
	}
	for i, name := range requestTypeNames {
		if name == s {
			return RequestType(i), true
		}
	}
	return 0, false
}

// limit is a (base, per player) pair: perMinute = base + perPlayer * players.
type limit struct{ base, perPlayer int64 }

// defaults are the 2026 per-server limits (reference §3.2) of the types that
// own a budget: the eight modern types and the legacy RemoveVersionAsync,
// which the 2026 table still lists on its own row.
var defaults = map[RequestType]limit{
	StandardRead:       {60, 40},
	StandardWrite:      {60, 40},
	StandardList:       {5, 2},
	StandardRemove:     {60, 40},
	RemoveVersionAsync: {5, 2},
	OrderedRead:        {60, 40},
	OrderedWrite:       {30, 5},
	OrderedList:        {5, 2},
	OrderedRemove:      {30, 5},
}

// owned reports whether t has a budget of its own.
func owned(t RequestType) bool {
	_, ok := defaults[t]
	return ok
}

// budgetTypes lists the types that own a budget, in enum order.
var budgetTypes = func() []RequestType {
	var out []RequestType
	for _, t := range RequestTypes() {
		if owned(t) {
			out = append(out, t)
		}
	}
	return out
}()

// consumes maps a request type named in dispatch.Call.RequestTypes to the
// budgets it takes. Handlers name modern types; a legacy name is accepted
// and takes the budget it reads (UpdateAsync takes read and write; OnUpdate
// takes none, as the emulator does not run OnUpdate).
var consumes = map[RequestType][]RequestType{
	GetAsync:                {StandardRead},
	SetIncrementAsync:       {StandardWrite},
	UpdateAsync:             {StandardRead, StandardWrite},
	GetSortedAsync:          {OrderedList},
	SetIncrementSortedAsync: {OrderedWrite},
	OnUpdate:                {},
	ListAsync:               {StandardList},
	GetVersionAsync:         {StandardRead},
	RemoveVersionAsync:      {RemoveVersionAsync},
	StandardRead:            {StandardRead},
	StandardWrite:           {StandardWrite},
	StandardList:            {StandardList},
	StandardRemove:          {StandardRemove},
	OrderedRead:             {OrderedRead},
	OrderedWrite:            {OrderedWrite},
	OrderedList:             {OrderedList},
	OrderedRemove:           {OrderedRemove},
}

// reads maps every enum item to the budgets GetRequestBudgetForRequestType
// reports the minimum of. OnUpdate has none: it reports onUpdateLimit.
var reads = map[RequestType][]RequestType{
	GetAsync:                {StandardRead},
	SetIncrementAsync:       {StandardWrite},
	UpdateAsync:             {StandardRead, StandardWrite},
	GetSortedAsync:          {OrderedList},
	SetIncrementSortedAsync: {OrderedWrite},
	OnUpdate:                nil,
	ListAsync:               {StandardList},
	GetVersionAsync:         {StandardRead},
	RemoveVersionAsync:      {RemoveVersionAsync},
	StandardRead:            {StandardRead},
	StandardWrite:           {StandardWrite},
	StandardList:            {StandardList},
	StandardRemove:          {StandardRemove},
	OrderedRead:             {OrderedRead},
	OrderedWrite:            {OrderedWrite},
	OrderedList:             {OrderedList},
	OrderedRemove:           {OrderedRemove},
}

// onUpdateLimit is what GetRequestBudgetForRequestType(OnUpdate) reports: the
// 2018 OnUpdate rate, 30 + 5 per player, which never depletes because the
// emulator does not run OnUpdate.
var onUpdateLimit = limit{30, 5}

// rateRange is the inclusive range SetRateLimitForRequestType accepts for a
// type (reference §3.3) and the budgets a call with that type sets. A nil
// sets means the type is refused.
type rateRange struct {
	maxBase, maxPerPlayer int64
	sets                  []RequestType
}

var rateRanges = map[RequestType]rateRange{
	GetAsync:                {60, 40, []RequestType{StandardRead}},
	SetIncrementAsync:       {60, 40, []RequestType{StandardWrite, StandardRemove}},
	UpdateAsync:             {},
	GetSortedAsync:          {5, 2, []RequestType{OrderedList}},
	SetIncrementSortedAsync: {30, 5, []RequestType{OrderedWrite, OrderedRemove}},
	OnUpdate:                {},
	ListAsync:               {5, 2, []RequestType{StandardList}},
	GetVersionAsync:         {5, 2, []RequestType{StandardRead}},
	RemoveVersionAsync:      {5, 2, []RequestType{RemoveVersionAsync}},
	StandardRead:            {10000, 200, []RequestType{StandardRead}},
	StandardWrite:           {10000, 200, []RequestType{StandardWrite}},
	StandardList:            {10000, 200, []RequestType{StandardList}},
	StandardRemove:          {10000, 200, []RequestType{StandardRemove}},
	OrderedRead:             {10000, 200, []RequestType{OrderedRead}},
	OrderedWrite:            {10000, 200, []RequestType{OrderedWrite}},
	OrderedList:             {10000, 200, []RequestType{OrderedList}},
	OrderedRemove:           {10000, 200, []RequestType{OrderedRemove}},
}

// Queue names one of the engine's four throttle queues (reference §3.5).
type Queue int

// The four queues.
const (
	SetQueue Queue = iota
	OrderedSetQueue
	GetQueue
	OrderedGetQueue

	numQueues
)

var queueNames = [numQueues]string{"Set", "OrderedSet", "Get", "OrderedGet"}

// String is the queue's name as _emulator.budgets reports it.
func (q Queue) String() string { return queueNames[q] }

// queueOf is the queue a budget's calls wait in. Lists wait with the reads
// of their store kind; RemoveVersionAsync with the standard writes.
var queueOf = map[RequestType]Queue{
	StandardRead:       GetQueue,
	StandardList:       GetQueue,
	StandardWrite:      SetQueue,
	StandardRemove:     SetQueue,
	RemoveVersionAsync: SetQueue,
	OrderedRead:        OrderedGetQueue,
	OrderedList:        OrderedGetQueue,
	OrderedWrite:       OrderedSetQueue,
	OrderedRemove:      OrderedSetQueue,
}

// queueFor picks the queue of a call that takes budgets types: a call that
// writes (UpdateAsync takes read and write) waits with the writes.
func queueFor(types []RequestType) Queue {
	q := queueOf[types[0]]
	for _, t := range types {
		if w := queueOf[t]; w == SetQueue || w == OrderedSetQueue {
			return w
		}
	}
	return q
}

// experiencePerCCU is n in the experience limit 300 + CCU * n per minute
// (reference §3.7, the table current since 2026-07-14). RemoveVersionAsync
// has no row there and no experience limit.
var experiencePerCCU = map[RequestType]int64{
	StandardRead:   40,
	StandardWrite:  20,
	StandardList:   2,
	StandardRemove: 40,
	OrderedRead:    40,
	OrderedWrite:   20,
	OrderedList:    2,
	OrderedRemove:  40,
}

// experienceBase is the fixed part of every experience limit.
const experienceBase = 300
