import type { Metadata } from "next";

export const metadata: Metadata = { title: "Choose a new password" };

export default function Layout({ children }: { children: React.ReactNode }) {
  return children;
}
