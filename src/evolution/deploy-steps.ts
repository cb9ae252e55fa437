import type { Clock } from './ports/clock.js';
import type { DeployStep, Evolution, StepMarker } from './evolution.js';

export type StepState = 'pending' | 'intended' | 'done';

/**
 * Where a deploy step stands. 'intended' means a worker wrote the intent and
 * may or may not have made the call: observe Flink/Kafka before acting again
 * (invariant 4).
 */
export function stepState(evolution: Evolution, step: DeployStep): StepState {
  const marker = evolution.deploy?.steps[step];
  if (!marker) return 'pending';
  return marker.doneAt === undefined ? 'intended' : 'done';
}

function withMarker(
  evolution: Evolution,
  step: DeployStep,
  marker: StepMarker,
  now: number,
): Evolution {
  const deploy = evolution.deploy ?? { startedAt: now, steps: {} };
  return {
    ...evolution,
    deploy: { ...deploy, steps: { ...deploy.steps, [step]: marker } },
    updatedAt: now,
  };
}

/** Records the intent to take a step; to be persisted before the side effect. Keeps an earlier intent's time. */
export function markStepIntent(evolution: Evolution, step: DeployStep, clock: Clock): Evolution {
  const now = clock.now();
  const existing = evolution.deploy?.steps[step];
  return withMarker(evolution, step, existing ?? { intentAt: now }, now);
}

export function markStepDone(evolution: Evolution, step: DeployStep, clock: Clock): Evolution {
  const now = clock.now();
  const existing = evolution.deploy?.steps[step];
  return withMarker(
    evolution,
    step,
    { intentAt: existing?.intentAt ?? now, doneAt: existing?.doneAt ?? now },
    now,
  );
}
