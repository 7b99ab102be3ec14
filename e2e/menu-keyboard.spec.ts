import { expect, test } from "@playwright/test";
import { createBoard, expectConnected, instanceUrl, signIn } from "./helpers";

/** The menu button pattern of the kit's Menu, on the board's "Add widget" menu and the user menu. */
test.describe("menus by keyboard", () => {
  test("arrow keys, Home and End move through the items, Escape returns focus to the button", async ({
    page,
  }) => {
    await signIn(page, instanceUrl("embedded"), "alice");
    await createBoard(page, "Menu keys");
    await expectConnected(page);

    const button = page.getByRole("button", { name: "Add widget" });
    const menu = page.getByRole("menu", { name: "Widget types" });
    const item = (name: string) => menu.getByRole("menuitem", { name: new RegExp(`^${name}`) });

    // Enter opens the menu on its first item.
    await button.focus();
    await page.keyboard.press("Enter");
    await expect(menu).toBeVisible();
    await expect(button).toHaveAttribute("aria-expanded", "true");
    await expect(item("Note")).toBeFocused();

    // Each key, and the item it moves focus to: down and up wrap, Home and End go to the ends, a letter goes
    // to the next item starting with it.
    const steps: [key: string, focused: string][] = [
      ["ArrowDown", "KPI"],
      ["End", "Live chart"],
      ["ArrowDown", "Note"],
      ["ArrowUp", "Live chart"],
      ["Home", "Note"],
      ["c", "Checklist"],
    ];
    for (const [key, focused] of steps) {
      await page.keyboard.press(key);
      await expect(item(focused), `${key} focuses ${focused}`).toBeFocused();
    }

    await page.keyboard.press("Escape");
    await expect(menu).toBeHidden();
    await expect(button).toBeFocused();
    await expect(button).toHaveAttribute("aria-expanded", "false");

    // ArrowUp on the closed button opens on the last item; Enter chooses it and the menu closes.
    await page.keyboard.press("ArrowUp");
    await expect(item("Live chart")).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(menu).toBeHidden();
    await expect(page.locator('[data-widget-type="chart"]')).toHaveCount(1);
  });

  test("the user menu opens on Sign out with ArrowDown and closes on Tab", async ({ page }) => {
    await signIn(page, instanceUrl("embedded"), "bob");
    const button = page.getByRole("button", { name: /bob/ });
    await button.focus();
    await page.keyboard.press("ArrowDown");
    await expect(page.getByRole("menuitem", { name: "Sign out" })).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(page.getByRole("menu")).toBeHidden();
  });
});
