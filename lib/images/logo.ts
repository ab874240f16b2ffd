// A logo is checked by its bytes, never its name or the browser's type: sharp reads the
// image's header, only PNG and JPEG are taken, and every logo is decoded and encoded again
// (fitted within 600 × 200, metadata dropped), so what is served is an image sharp wrote.
import sharp from 'sharp';

export const LOGO_MAX_WIDTH = 600;
export const LOGO_MAX_HEIGHT = 200;
// A small file can still claim a huge picture: decoding stops past this many pixels.
const MAX_INPUT_PIXELS = 5000 * 5000;

export type CheckedLogo = { ok: true; bytes: Buffer; contentType: 'image/png' | 'image/jpeg'; width: number; height: number } | { ok: false; problem: string };

export async function checkAndReencodeLogo(input: Buffer): Promise<CheckedLogo> {
  const notAnImage: CheckedLogo = { ok: false, problem: 'The logo must be a PNG or JPEG image' };
  let format: string | undefined;
  try {
    ({ format } = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS }).metadata());
  } catch {
    return notAnImage;
  }
  if (format !== 'png' && format !== 'jpeg') return notAnImage;
  try {
    const fitted = sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, animated: false })
      .rotate()
      .resize({ width: LOGO_MAX_WIDTH, height: LOGO_MAX_HEIGHT, fit: 'inside', withoutEnlargement: true });
    const { data, info } = await (format === 'png' ? fitted.png({ compressionLevel: 9 }) : fitted.jpeg({ quality: 85, mozjpeg: true })).toBuffer({ resolveWithObject: true });
    return { ok: true, bytes: data, contentType: format === 'png' ? 'image/png' : 'image/jpeg', width: info.width, height: info.height };
  } catch {
    // A header that reads as PNG or JPEG over a broken or oversized image.
    return { ok: false, problem: 'The logo could not be read as an image. Save it again as PNG or JPEG and upload that' };
  }
}
