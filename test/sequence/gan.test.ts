/**
 * Custom training steps for GANs: gradients with respect to chosen weights
 * only, and one optimizer step on one model while the other stays fixed.
 */
import { describe, expect, it } from "vitest";
import { keras, layers } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";

const bce = new keras.losses.BinaryCrossentropy({ fromLogits: true });

function dcgan() {
  const generator = keras.Sequential([
    keras.Input({ shape: [8] }),
    layers.Dense(7 * 7 * 4),
    layers.Reshape([7, 7, 4]),
    layers.Conv2DTranspose(4, 3, { strides: 2, padding: "same" }),
    layers.BatchNormalization(),
    layers.LeakyReLU({ negativeSlope: 0.2 }),
    layers.Conv2DTranspose(1, 3, { strides: 2, padding: "same", activation: "tanh" }),
  ]);
  const discriminator = keras.Sequential([
    keras.Input({ shape: [28, 28, 1] }),
    layers.Conv2D(4, 3, { strides: 2, padding: "same" }),
    layers.LeakyReLU({ negativeSlope: 0.2 }),
    layers.Flatten(),
    layers.Dense(1),
  ]);
  return { generator, discriminator };
}

describe("gradients with respect to chosen weights", () => {
  it("nn.grad returns d loss / d each chosen tensor and leaves every .grad untouched", () => {
    const w = nn.tensor([1, 2, 3], { requiresGrad: true });
    const other = nn.tensor([4, 5, 6], { requiresGrad: true });
    const [gw] = nn.grad(() => w.mul(other).sum(), [w]);
    expect(Array.from(gw.dataSync())).toEqual([4, 5, 6]);
    expect(w.grad).toBeNull();
    expect(other.grad).toBeNull();
  });

  it("gives zeros for a weight the loss does not use and works on frozen layers' weights", () => {
    const dense = layers.Dense(2);
    dense(nn.ones([1, 3]));
    dense.trainable = false;
    const unused = nn.ones([2]);
    const [loss, [gk, gb, gu]] = nn.valueAndGrad(() => dense(nn.ones([1, 3])).sum(), [...dense.weights, unused]);
    expect(typeof loss).toBe("number");
    expect(Array.from(gk.dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(gb.dataSync())).toEqual([1, 1]);
    expect(Array.from(gu.dataSync())).toEqual([0, 0]);
  });
});

describe("a DCGAN training step", () => {
  it("one discriminator step (optimizer.minimize) lowers its real-vs-fake loss and leaves the generator's trainable weights as they were; one generator step (backward with the discriminator frozen, then optimizer.step) lowers the generator's loss and leaves the discriminator as it was", () => {
    nn.seed(12);
    const { generator, discriminator } = dcgan();
    const real = nn.rand([16, 28, 28, 1]).mul(0.5).add(0.5);
    const noise = nn.randn([16, 8]);
    const ones = nn.ones([16, 1]);
    const zeros = nn.zeros([16, 1]);
    const dLoss = (): Tensor => {
      const fake = nn.noGrad(() => generator.apply(noise, { training: true }));
      return bce.call(ones, discriminator(real)).add(bce.call(zeros, discriminator(fake)));
    };
    const gLoss = (): Tensor => bce.call(ones, discriminator(generator.apply(noise, { training: true })));
    const snapshot = (weights: { read(): Float32Array }[]) => weights.map((w) => Array.from(w.read()));

    const dOptimizer = keras.optimizers.Adam({ learningRate: 0.01 });
    const gBefore = snapshot(generator.trainableWeights);
    const dBefore = nn.noGrad(() => dLoss().item());
    expect(dOptimizer.minimize(dLoss, discriminator.trainableWeights)).toBeCloseTo(dBefore, 4);
    const dAfter = nn.noGrad(() => dLoss().item());
    expect(dAfter).toBeLessThan(dBefore);
    expect(snapshot(generator.trainableWeights)).toEqual(gBefore);

    const gOptimizer = keras.optimizers.Adam({ learningRate: 0.01 });
    const dWeights = snapshot(discriminator.weights);
    const before = nn.noGrad(() => gLoss().item());
    discriminator.trainable = false;
    gLoss().backward();
    gOptimizer.step(generator.trainableWeights);
    gOptimizer.zeroGrad(generator.trainableWeights);
    discriminator.trainable = true;
    const after = nn.noGrad(() => gLoss().item());
    console.log(
      `GAN step: discriminator loss ${dBefore.toFixed(4)} -> ${dAfter.toFixed(4)}, generator loss ${before.toFixed(4)} -> ${after.toFixed(4)}`,
    );
    expect(after).toBeLessThan(before);
    expect(snapshot(discriminator.weights)).toEqual(dWeights);
  });

  it("alternating steps with optimizer.minimize on each model's weights: each step lowers its own loss and leaves the other model's weights as they were", () => {
    nn.seed(13);
    const generator = keras.Sequential([
      keras.Input({ shape: [4] }),
      layers.Dense(8, { activation: "relu" }),
      layers.Dense(2),
    ]);
    const discriminator = keras.Sequential([
      keras.Input({ shape: [2] }),
      layers.Dense(8, { activation: "relu" }),
      layers.Dense(1),
    ]);
    const real = nn.randn([32, 2]).add(3);
    const noise = nn.randn([32, 4]);
    const ones = nn.ones([32, 1]);
    const zeros = nn.zeros([32, 1]);
    const dLoss = () => bce.call(ones, discriminator(real)).add(bce.call(zeros, discriminator(generator(noise))));
    const gLoss = () => bce.call(ones, discriminator(generator(noise)));
    const values = (weights: { read(): Float32Array }[]) => weights.map((w) => Array.from(w.read()));
    const dOptimizer = keras.optimizers.Adam({ learningRate: 0.01 });
    const gOptimizer = keras.optimizers.Adam({ learningRate: 0.01 });

    for (const [optimizer, loss, own, other] of [
      [dOptimizer, dLoss, discriminator, generator],
      [gOptimizer, gLoss, generator, discriminator],
    ] as const) {
      const otherBefore = values(other.weights);
      const before = optimizer.minimize(loss, own.trainableWeights);
      expect(nn.noGrad(() => loss().item())).toBeLessThan(before);
      expect(values(other.weights)).toEqual(otherBefore);
      expect(own.trainableWeights.every((w) => w.value.grad === null)).toBe(true);
    }
    expect([dOptimizer.iterations, gOptimizer.iterations]).toEqual([1, 1]);
  });
});
