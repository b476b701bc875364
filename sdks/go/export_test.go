package transmute

// CreateAndWaitFrom is [JobsService.CreateAndWait] with the first poll interval given, so that the
// tests replay sdks/conformance/jobs-wait.json at the vectors' pace.
var CreateAndWaitFrom = (*JobsService).createAndWait
