// The per-resource answer AlterConfigs and IncrementalAlterConfigs share: one entry per resource
// of the request, in request order, with that resource's outcome.

export interface ResourceOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

interface ConfigResource {
  readonly resourceType: number;
  readonly resourceName: string;
}

export function resourceResponses(
  resources: readonly ConfigResource[],
  outcomeOf: (index: number) => ResourceOutcome,
): { errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string }[] {
  return resources.map((resource, index) => {
    const outcome = outcomeOf(index);
    return { errorCode: outcome.errorCode, errorMessage: outcome.errorMessage, resourceType: resource.resourceType, resourceName: resource.resourceName };
  });
}
