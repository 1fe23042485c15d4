// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Time;

/// <summary>Exact <c>value × numerator ÷ denominator</c> on 64-bit values, without 128-bit division on the common path.</summary>
internal static class TickMath
{
    /// <summary>
    /// floor(value × numerator ÷ denominator), saturated to <see cref="long.MaxValue"/>. Splitting value into
    /// whole denominators and a remainder keeps the products in 64 bits unless numerator × denominator ≥ 2^64.
    /// </summary>
    public static long Scale(ulong value, ulong numerator, ulong denominator)
    {
        ulong whole = value / denominator;
        ulong remainder = value - whole * denominator;

        ulong high = Math.BigMul(whole, numerator, out ulong wholePart);
        if (high != 0 || wholePart > long.MaxValue)
            return long.MaxValue;

        high = Math.BigMul(remainder, numerator, out ulong low);
        ulong fraction = high == 0 ? low / denominator : (ulong)((new UInt128(high, low)) / denominator);

        ulong sum = wholePart + fraction;
        return sum < wholePart || sum > long.MaxValue ? long.MaxValue : (long)sum;
    }

    /// <summary><see cref="Scale(ulong, ulong, ulong)"/> for signed values (tick differences may be negative); truncates toward zero.</summary>
    public static long ScaleSigned(long value, ulong numerator, ulong denominator) =>
        value >= 0
            ? Scale((ulong)value, numerator, denominator)
            : -Scale(unchecked((ulong)-value), numerator, denominator);
}
