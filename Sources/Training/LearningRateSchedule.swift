// LearningRateSchedule: linear warmup then linear decay to zero (transformers'
// get_linear_schedule_with_warmup), indexed by the number of optimiser steps already taken.
public struct LinearWarmupDecay: Sendable, Codable, Equatable {
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(peak: Float, warmupSteps: Int, totalSteps: Int) {
        self.peak = peak
        self.warmupSteps = max(0, warmupSteps)
        self.totalSteps = max(1, totalSteps)
    }

    /// A run's schedule: the settings' peak rate, warmup over their share of `totalSteps` (rounded).
    public init(settings: TrainerSettings, totalSteps: Int) {
        self.init(peak: settings.learningRate, warmupSteps: Int((settings.warmupRatio * Float(totalSteps)).rounded()),
                  totalSteps: totalSteps)
    }

    /// Learning rate for the optimiser step that follows `completedSteps` earlier steps.
    public func rate(afterSteps completedSteps: Int) -> Float {
        if completedSteps < warmupSteps { return peak * Float(completedSteps) / Float(max(1, warmupSteps)) }
        let remaining = Float(totalSteps - completedSteps) / Float(max(1, totalSteps - warmupSteps))
        return peak * max(0, remaining)
    }
}
